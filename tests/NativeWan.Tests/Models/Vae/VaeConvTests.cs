using NativeWan.Models.Vae;
using Xunit.Abstractions;

namespace NativeWan.Tests.Models.Vae;

/// <summary>
/// The conv kernel (SIMD micro-kernel and the Gemm fallback) against a direct float64 loop over the PyTorch-layout
/// weights, on shapes the tiny golden model does not reach: K &gt; 2048 (K slicing), channel counts that are not a
/// multiple of 16, pixel counts that are not a multiple of 6, stride 2 with one-sided padding, the nearest ×2
/// upsample folded into the gather, a channel-slice input (pixel stride &gt; C) and zero (causal) frames.
/// </summary>
public class VaeConvTests(ITestOutputHelper output)
{
    sealed record Case(int Cin, int Cout, int Kt, int K, int InFrames, int H, int W, bool Up, int StrideT, int Stride,
        int PadT, int PadB, int PadL, int PadR, int PixelStride, bool ZeroFirst);

    public static TheoryData<string> Cases => new() { "big-k", "down", "up-slice", "pointwise", "time-stride" };

    static Case Get(string name) => name switch
    {
        "big-k" => new Case(80, 20, 3, 3, 4, 5, 7, false, 1, 1, 1, 1, 1, 1, 80, true),        // K = 2160 > 2048
        "down" => new Case(24, 24, 1, 3, 2, 9, 6, false, 1, 2, 0, 1, 0, 1, 24, false),          // ZeroPad2d(0,1,0,1), stride 2
        "up-slice" => new Case(12, 6, 1, 3, 2, 3, 5, true, 1, 1, 1, 1, 1, 1, 24, false),       // nearest ×2, channel slice
        "pointwise" => new Case(17, 33, 1, 1, 3, 4, 5, false, 1, 1, 0, 0, 0, 0, 17, false),
        "time-stride" => new Case(8, 8, 3, 1, 5, 3, 3, false, 2, 1, 0, 0, 0, 0, 8, false),     // downsample3d time conv
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ConvMatchesDirectLoop(string name)
    {
        var c = Get(name);
        var rng = new Random(name.Length * 31 + c.Cin);
        float R() => (float)(rng.NextDouble() * 2 - 1);
        int kh = c.K, kw = c.K;
        var torchW = new float[c.Cout * c.Cin * c.Kt * kh * kw];
        for (int i = 0; i < torchW.Length; i++) torchW[i] = R() / MathF.Sqrt(c.Cin * c.Kt * kh * kw);
        var bias = new float[c.Cout];
        for (int i = 0; i < bias.Length; i++) bias[i] = R();
        var cw = new ConvWeights(torchW, bias, c.Cout, c.Cin, c.Kt, kh, kw);

        int fs = c.H * c.W * c.PixelStride;
        var data = new float[c.InFrames * fs];
        for (int i = 0; i < data.Length; i++) data[i] = R();
        var frames = new FrameRef[c.InFrames];
        for (int t = 0; t < c.InFrames; t++)
            frames[t] = c.ZeroFirst && t == 0 ? default : new FrameRef(data, t * fs + (c.PixelStride - c.Cin), c.PixelStride);

        int hl = c.Up ? 2 * c.H : c.H, wl = c.Up ? 2 * c.W : c.W;
        int to = (c.InFrames - c.Kt) / c.StrideT + 1;
        int ho = (hl + c.PadT + c.PadB - kh) / c.Stride + 1, wo = (wl + c.PadL + c.PadR - kw) / c.Stride + 1;

        // float64 direct loop, PyTorch weight layout [Cout, Cin, Kt, Kh, Kw].
        var expected = new float[to * ho * wo * c.Cout];
        for (int t = 0; t < to; t++)
            for (int y = 0; y < ho; y++)
                for (int x = 0; x < wo; x++)
                    for (int o = 0; o < c.Cout; o++)
                    {
                        double s = bias[o];
                        for (int i = 0; i < c.Cin; i++)
                            for (int dt = 0; dt < c.Kt; dt++)
                            {
                                var f = frames[t * c.StrideT + dt];
                                if (f.IsZero) continue;
                                for (int dy = 0; dy < kh; dy++)
                                    for (int dx = 0; dx < kw; dx++)
                                    {
                                        int iy = y * c.Stride - c.PadT + dy, ix = x * c.Stride - c.PadL + dx;
                                        if (iy < 0 || iy >= hl || ix < 0 || ix >= wl) continue;
                                        int sy = c.Up ? iy / 2 : iy, sx = c.Up ? ix / 2 : ix;
                                        s += (double)torchW[(((o * c.Cin + i) * c.Kt + dt) * kh + dy) * kw + dx]
                                             * f.Data![f.Offset + (sy * c.W + sx) * c.PixelStride + i];
                                    }
                            }
                        expected[((t * ho + y) * wo + x) * c.Cout + o] = (float)s;
                    }

        foreach (bool gemm in new[] { false, true })
        {
            var ws = new VaeWorkspace();
            var y = ws.NewActivation(to, ho, wo, c.Cout);
            VaeConv.ForceGemm = gemm;
            try { VaeConv.Forward(ws, cw, frames, c.H, c.W, c.Up, c.StrideT, c.Stride, c.PadT, c.PadB, c.PadL, c.PadR, y); }
            finally { VaeConv.ForceGemm = false; }
            double err = VaeTestData.AssertClose(y.Data.AsSpan(0, expected.Length), expected, $"{name} ({(gemm ? "Gemm" : "micro-kernel")})", 1e-5);
            output.WriteLine($"{name} {(gemm ? "Gemm" : "kernel")}: [{to},{ho},{wo},{c.Cout}] max err {err:g3}");
        }
    }
}
