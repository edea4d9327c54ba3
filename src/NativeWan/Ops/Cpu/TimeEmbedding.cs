namespace NativeWan.Ops.Cpu;

public static partial class CpuOps
{
    /// <summary>
    /// Sinusoidal timestep embedding (spec 2.3, official <c>sinusoidal_embedding_1d</c>): with half = dim/2 and
    /// <c>arg_k = t · 10000^(−k/half)</c>, <c>out = [cos(arg_0 … arg_{half−1}), sin(arg_0 … arg_{half−1})]</c> —
    /// cos first. Computed in float64 and rounded to float32. t is on the 0…1000 scale. There is no backward: the
    /// timestep is not a trainable input.
    /// </summary>
    /// <param name="output">[dim].</param>
    /// <param name="t">Timestep (e.g. 1000σ or 1000σ + 1).</param>
    /// <param name="dim">Embedding size (freq_dim, 256 in Wan), even.</param>
    /// <exception cref="ArgumentException">dim not positive and even, or output too short.</exception>
    public static void SinusoidalEmbeddingForward(Span<float> output, double t, int dim)
    {
        if (dim <= 0 || dim % 2 != 0) throw new ArgumentException($"sinusoid size must be positive and even (got {dim})", nameof(dim));
        Need(output.Length, dim, nameof(output));
        int half = dim / 2;
        for (int k = 0; k < half; k++)
        {
            double a = t * Math.Pow(10000.0, -(double)k / half);
            output[k] = (float)Math.Cos(a);
            output[half + k] = (float)Math.Sin(a);
        }
    }
}
