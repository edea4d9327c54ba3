using System.Numerics.Tensors;

namespace NativeWan.Models.Vae;

/// <summary>
/// The official channel-first <c>RMS_norm</c> (spec 5.1): at every position,
/// <c>y = x / max(‖x‖₂ over channels, 1e-12) · √C · γ</c> (F.normalize, no bias). Optionally fused with the SiLU
/// that always follows it in residual blocks and heads.
/// </summary>
internal sealed class ChannelRmsNorm
{
    const float Eps = 1e-12f;
    readonly float[] _gamma;
    readonly float _scale;

    public int Channels => _gamma.Length;

    public ChannelRmsNorm(float[] gamma)
    {
        _gamma = gamma;
        _scale = MathF.Sqrt(gamma.Length);
    }

    /// <summary>
    /// Loads <c>{name}.gamma</c>, shape <c>[C, 1, 1, 1]</c> (3-D use) or <c>[C, 1, 1]</c> (2-D use); C must equal
    /// <paramref name="channels"/> when positive.
    /// </summary>
    public static ChannelRmsNorm Load(VaeWeightReader r, string name, int channels = -1)
    {
        string g = name + ".gamma";
        var s = r.Shape(g);
        if (s.Length < 1 || s.Skip(1).Any(d => d != 1) || (channels > 0 && s[0] != channels))
            throw r.Error(g, $"expected [C, 1, 1(, 1)] with C = {(channels > 0 ? channels : "any")}, got [{string.Join(", ", s)}]");
        return new ChannelRmsNorm(r.Read(g, s));
    }

    /// <summary>Normalizes <paramref name="src"/> [positions, C] into <paramref name="dst"/> (may be the same array).</summary>
    public void Apply(float[] src, float[] dst, long positions, bool silu)
    {
        int c = _gamma.Length;
        const int block = 256;
        long blocks = (positions + block - 1) / block;
        void Run(long b)
        {
            long p1 = Math.Min(positions, (b + 1) * block);
            float[]? sigBuf = silu ? new float[c] : null;
            for (long p = b * block; p < p1; p++)
            {
                var x = src.AsSpan((int)(p * c), c);
                var y = dst.AsSpan((int)(p * c), c);
                float n = TensorPrimitives.Norm(x);
                float s = _scale / MathF.Max(n, Eps);
                TensorPrimitives.Multiply(x, _gamma, y);
                TensorPrimitives.Multiply(y, s, y);
                if (silu)
                {
                    TensorPrimitives.Sigmoid(y, sigBuf);
                    TensorPrimitives.Multiply(y, sigBuf, y);
                }
            }
        }
        if (blocks <= 1 || positions * c < VaeConv.ParallelMacs / 4) { for (long b = 0; b < blocks; b++) Run(b); }
        else Parallel.For(0L, blocks, Run);
    }
}
