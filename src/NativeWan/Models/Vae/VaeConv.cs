using System.Numerics.Tensors;
using NativeWan.Ops.Cpu;

namespace NativeWan.Models.Vae;

/// <summary>
/// The one convolution kernel behind every VAE conv (CausalConv3d, the resample Conv2ds and time convs, the 1×1
/// projections): channel-last im2col into a small tile of output pixels, then <see cref="ConvMicroKernel"/> (or
/// <see cref="Gemm"/> where 256-bit SIMD is missing). Valid in time over the given frame list (causal padding is done
/// by the caller with zero frames), zero padding in space (top/bottom/left/right separately), one spatial stride, an
/// optional nearest ×2 spatial upsample of the input folded into the gather. Tiles are spread over cores; each output
/// element is computed in the same order whatever the thread count, so results are deterministic.
/// </summary>
internal static unsafe class VaeConv
{
    /// <summary>Target im2col tile size in floats (a core's L2 holds it plus one packed weight block).</summary>
    const int TileFloats = 1 << 17;

    /// <summary>Below this many multiply-adds a conv runs on the calling thread.</summary>
    internal const long ParallelMacs = 1 << 20;

    /// <summary>Forces the <see cref="Gemm"/> path on the calling thread (tests cross-check both paths).</summary>
    [ThreadStatic] internal static bool ForceGemm;

    /// <summary>
    /// output[t] = conv(frames[t·strideT .. t·strideT + Kt)) for every output frame t.
    /// Input frames have <paramref name="inH"/>×<paramref name="inW"/> stored pixels and <c>cw.Cin</c> channels
    /// (logically 2·inH × 2·inW when <paramref name="upsample2x"/>). Output is <c>[To, Ho, Wo, Cout]</c> with
    /// To = (frames − Kt)/strideT + 1, Ho = (H' + padTop + padBottom − Kh)/strideS + 1 (likewise Wo).
    /// </summary>
    public static void Forward(VaeWorkspace ws, ConvWeights cw, FrameRef[] frames, int inH, int inW, bool upsample2x,
        int strideT, int strideS, int padTop, int padBottom, int padLeft, int padRight, VaeActivation output)
    {
        int hl = upsample2x ? 2 * inH : inH, wl = upsample2x ? 2 * inW : inW;
        int to = (frames.Length - cw.Kt) / strideT + 1;
        int ho = (hl + padTop + padBottom - cw.Kh) / strideS + 1;
        int wo = (wl + padLeft + padRight - cw.Kw) / strideS + 1;
        if (frames.Length < cw.Kt || to != output.T || ho != output.H || wo != output.W || cw.Cout != output.C)
            throw new InvalidOperationException(
                $"VAE conv shape mismatch: {frames.Length} frames of {hl}x{wl}, kernel ({cw.Kt},{cw.Kh},{cw.Kw}) → " +
                $"[{to}, {ho}, {wo}, {cw.Cout}] but output is [{output.T}, {output.H}, {output.W}, {output.C}]");

        int pixels = ho * wo, k = cw.K;
        bool useGemm = ForceGemm || cw.Packed is null;
        // A 1×1 conv over a contiguous frame reads the frame itself as the im2col matrix.
        bool direct = cw.K == cw.Cin && !upsample2x && strideS == 1 && padTop + padBottom + padLeft + padRight == 0;
        for (int t = 0; t < to && direct; t++) direct = !frames[t * strideT].IsZero && frames[t * strideT].PixelStride == cw.Cin;

        int tp = Math.Clamp(TileFloats / Math.Min(k, 2048), ConvMicroKernel.Mr, 1020) / ConvMicroKernel.Mr * ConvMicroKernel.Mr;
        tp = Math.Min(tp, pixels);
        int tilesPerFrame = (pixels + tp - 1) / tp;
        int items = to * tilesPerFrame;
        long macs = (long)to * pixels * cw.Cout * k;
        int workers = macs < ParallelMacs ? 1 : Math.Max(1, Math.Min(Environment.ProcessorCount, items));
        var cols = new float[workers][];
        var tmps = new float[workers][];
        for (int i = 0; i < workers; i++)
        {
            if (!direct) cols[i] = ws.Alloc((long)tp * k);
            if (useGemm) tmps[i] = ws.Alloc((long)tp * cw.Cout);
        }
        try
        {
            int next = -1;
            void Work(int worker)
            {
                int item;
                while ((item = Interlocked.Increment(ref next)) < items)
                {
                    int t = item / tilesPerFrame, p0 = item % tilesPerFrame * tp;
                    int n = Math.Min(tp, pixels - p0);
                    float[] a;
                    int aOff;
                    if (direct) { var f = frames[t * strideT]; a = f.Data!; aOff = f.Offset + p0 * cw.Cin; }
                    else
                    {
                        a = cols[worker]; aOff = 0;
                        Im2Col(cw, frames, t * strideT, inW, hl, wl, upsample2x, strideS, padTop, padLeft, wo, p0, n, a);
                    }
                    int oOff = t * output.FrameSize + p0 * cw.Cout;
                    if (useGemm) GemmTile(cw, a, aOff, n, tmps[worker], output.Data, oOff);
                    else
                        fixed (float* pa = a) fixed (float* pw = cw.Packed) fixed (float* pb = cw.PaddedBias) fixed (float* po = output.Data)
                            ConvMicroKernel.Run(pa + aOff, k, n, pw, pb, cw.Cout, k, po + oOff, cw.Cout);
                }
            }
            if (workers == 1) Work(0);
            else Parallel.For(0, workers, Work);
        }
        finally
        {
            for (int i = 0; i < workers; i++) { ws.Free(cols[i]); ws.Free(tmps[i]); }
        }
    }

    /// <summary>Fallback: tmp[Cout, n] = W · aᵀ with the shared dot-product GEMM, then transposed into the output rows.</summary>
    static void GemmTile(ConvWeights cw, float[] a, int aOff, int n, float[] tmp, float[] output, int oOff)
    {
        int cout = cw.Cout;
        Gemm.MatMulTransB(cw.W, a.AsSpan(aOff, n * cw.K), tmp.AsSpan(0, cout * n), cout, n, cw.K);
        var dst = output.AsSpan(oOff, n * cout);
        for (int j = 0; j < n; j++)
        {
            var row = dst.Slice(j * cout, cout);
            for (int o = 0; o < cout; o++) row[o] = tmp[o * n + j] + cw.Bias[o];
        }
    }

    /// <summary>Adds <paramref name="bias"/> [C] to each of <paramref name="rows"/> rows of <paramref name="x"/> [rows, C].</summary>
    public static void AddBiasRows(Span<float> x, ReadOnlySpan<float> bias, int rows)
    {
        int c = bias.Length;
        for (int r = 0; r < rows; r++)
        {
            var row = x.Slice(r * c, c);
            TensorPrimitives.Add(row, bias, row);
        }
    }

    /// <summary>
    /// col[j, (dt, dy, dx, ci)] for output pixels p0 .. p0+n−1 of the output frame starting at input frame t0:
    /// the input value under kernel tap (dt, dy, dx), or 0 in the padding.
    /// </summary>
    static void Im2Col(ConvWeights cw, FrameRef[] frames, int t0, int inW, int hl, int wl, bool up, int stride,
        int padTop, int padLeft, int wo, int p0, int n, float[] col)
    {
        int cin = cw.Cin, k = cw.K, kw = cw.Kw, rowLen = kw * cin;
        for (int j = 0; j < n; j++)
        {
            int p = p0 + j, oy = p / wo, ox = p - oy * wo;
            int iy0 = oy * stride - padTop, ix0 = ox * stride - padLeft;
            var dst = col.AsSpan(j * k, k);
            int d = 0;
            for (int dt = 0; dt < cw.Kt; dt++)
            {
                var f = frames[t0 + dt];
                for (int dy = 0; dy < cw.Kh; dy++, d += rowLen)
                {
                    int iy = iy0 + dy;
                    if (f.IsZero || (uint)iy >= (uint)hl) { dst.Slice(d, rowLen).Clear(); continue; }
                    var data = f.Data!;
                    int ps = f.PixelStride;
                    if (!up && ps == cin && ix0 >= 0 && ix0 + kw <= wl)
                    {
                        data.AsSpan(f.Offset + (iy * inW + ix0) * cin, rowLen).CopyTo(dst.Slice(d, rowLen));
                        continue;
                    }
                    int rowBase = f.Offset + (up ? iy >> 1 : iy) * inW * ps;
                    for (int dx = 0; dx < kw; dx++)
                    {
                        int ix = ix0 + dx;
                        var seg = dst.Slice(d + dx * cin, cin);
                        if ((uint)ix >= (uint)wl) seg.Clear();
                        else data.AsSpan(rowBase + (up ? ix >> 1 : ix) * ps, cin).CopyTo(seg);
                    }
                }
            }
        }
    }
}
