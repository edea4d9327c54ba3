using NativeWan.Numerics;
using NativeWan.Ops.Cuda;

namespace NativeWan.Models.Wan.Cuda;

/// <summary>A frozen Linear on the device: W bf16 [Out, In] (PyTorch layout) and b [Out] in the dtype of the Linear's
/// output buffer (the GEMM adds the bias in the output's dtype, as cuBLASLt's bias epilogue).</summary>
internal readonly record struct CudaLinear(string Path, int In, int Out, GpuTensor Weight, GpuTensor Bias);

/// <summary>q, k, v, o of one attention and its full-width q/k RMSNorm weights (fp32 [dim]).</summary>
internal sealed record CudaAttentionWeights(CudaLinear Q, CudaLinear K, CudaLinear V, CudaLinear O, GpuTensor NormQ, GpuTensor NormK);

/// <summary>One block's parameters on the device (spec 2.6, 2.8).</summary>
/// <param name="Modulation">fp32 [6, dim].</param>
/// <param name="SelfAttn">Self-attention (bf16 outputs).</param>
/// <param name="CrossAttn">Cross-attention (bf16 outputs).</param>
/// <param name="Norm3Weight">fp32 [dim].</param>
/// <param name="Norm3Bias">fp32 [dim].</param>
/// <param name="Ffn0">dim → ffn_dim, bf16 output.</param>
/// <param name="Ffn2">ffn_dim → dim, bf16 output.</param>
internal sealed record CudaBlockWeights(GpuTensor Modulation, CudaAttentionWeights SelfAttn, CudaAttentionWeights CrossAttn,
    GpuTensor Norm3Weight, GpuTensor Norm3Bias, CudaLinear Ffn0, CudaLinear Ffn2);

/// <summary>
/// Every frozen weight of a <see cref="WanWeights"/> on the device, in one <see cref="DeviceArena"/>: Linear weights
/// bf16 (the storage of a bf16 training run; rounded to nearest even from the float32 host copy), biases in the dtype
/// of their Linear's output (fp32 for the patch embedding, the time path and the head, whose outputs stay fp32; bf16
/// for the text embedding and every block Linear), norm weights and modulations fp32.
/// </summary>
internal sealed class WanCudaWeights : IDisposable
{
    public required CudaLinear PatchEmbedding, TextEmbedding0, TextEmbedding2, TimeEmbedding0, TimeEmbedding2, TimeProjection, Head;
    /// <summary>fp32 [2, dim]: shift, scale.</summary>
    public required GpuTensor HeadModulation;
    public required CudaBlockWeights[] Blocks;
    DeviceArena? _arena;

    /// <summary>Uploads <paramref name="w"/> into one arena (or one allocation per tensor when <paramref name="perTensor"/>).</summary>
    public static WanCudaWeights Upload(WanWeights w, IKernelBackend backend, bool perTensor)
    {
        var measure = DeviceArena.Measure();
        Layout(measure, w, null);
        var arena = perTensor ? DeviceArena.PerTensor(backend) : DeviceArena.Block(backend, measure.Bytes, "DiT weights");
        try
        {
            var r = Layout(arena, w, backend);
            r._arena = arena;
            return r;
        }
        catch { arena.Dispose(); throw; }
    }

    static WanCudaWeights Layout(DeviceArena a, WanWeights w, IKernelBackend? up)
    {
        GpuTensor Vec(float[] host, DType dtype, string what)
        {
            var t = a.Take(host.Length, dtype, what);
            if (up != null) UploadAs(up, t, host);
            return t;
        }
        CudaLinear Lin(WanLinear l, DType outType) =>
            new(l.Path, l.In, l.Out, Vec(l.Weight, DType.BF16, l.Path + ".weight"), Vec(l.Bias, outType, l.Path + ".bias"));
        CudaAttentionWeights Att(WanAttentionWeights x) => new(Lin(x.Q, DType.BF16), Lin(x.K, DType.BF16), Lin(x.V, DType.BF16),
            Lin(x.O, DType.BF16), Vec(x.NormQ, DType.F32, x.Q.Path + " norm_q"), Vec(x.NormK, DType.F32, x.K.Path + " norm_k"));

        var blocks = new CudaBlockWeights[w.Blocks.Length];
        for (int i = 0; i < blocks.Length; i++)
        {
            var b = w.Blocks[i];
            blocks[i] = new CudaBlockWeights(Vec(b.Modulation, DType.F32, $"blocks.{i}.modulation"), Att(b.SelfAttn), Att(b.CrossAttn),
                Vec(b.Norm3Weight, DType.F32, $"blocks.{i}.norm3.weight"), Vec(b.Norm3Bias, DType.F32, $"blocks.{i}.norm3.bias"),
                Lin(b.Ffn0, DType.BF16), Lin(b.Ffn2, DType.BF16));
        }
        return new WanCudaWeights
        {
            PatchEmbedding = Lin(w.PatchEmbedding, DType.F32),
            TextEmbedding0 = Lin(w.TextEmbedding0, DType.BF16),
            TextEmbedding2 = Lin(w.TextEmbedding2, DType.BF16),
            TimeEmbedding0 = Lin(w.TimeEmbedding0, DType.F32),
            TimeEmbedding2 = Lin(w.TimeEmbedding2, DType.F32),
            TimeProjection = Lin(w.TimeProjection, DType.F32),
            HeadModulation = Vec(w.HeadModulation, DType.F32, "head.modulation"),
            Head = Lin(w.Head, DType.F32),
            Blocks = blocks,
        };
    }

    /// <summary>Copies float32 host values into <paramref name="t"/>, converting to its dtype (bf16: round to nearest even).</summary>
    internal static void UploadAs(IKernelBackend backend, GpuTensor t, ReadOnlySpan<float> host)
    {
        switch (t.DType)
        {
            case DType.F32: backend.Upload(t, host); break;
            case DType.BF16:
                var h = new BFloat16[host.Length];
                NumericConvert.SingleToBFloat16(host, h);
                backend.Upload<BFloat16>(t, h);
                break;
            default: throw new ArgumentException($"cannot upload floats as {t.DType}", nameof(t));
        }
    }

    public void Dispose()
    {
        _arena?.Dispose();
        _arena = null;
    }
}
