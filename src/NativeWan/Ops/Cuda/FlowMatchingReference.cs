namespace NativeWan.Ops.Cuda;

/// <summary>
/// CPU reference of kernels/loss.cu: the flow-matching noising, loss and gradient exactly as
/// <c>WanDit.TrainStep</c> computes them (spec 4.1, section 10): <c>x_t = (1 − σ)·x0 + σ·ε</c>,
/// <c>target = ε − x0</c>, <c>loss = mean((pred − target)²)</c> summed in float64, <c>dpred = 2·(pred − target)/N</c>.
/// Same float32 evaluation order as that method (no fused multiply-adds).
/// </summary>
public static class FlowMatchingReference
{
    /// <summary>x_t and the velocity target.</summary>
    /// <exception cref="ArgumentException">Spans of different lengths.</exception>
    public static void Noise(Span<float> xt, Span<float> target, ReadOnlySpan<float> x0, ReadOnlySpan<float> noise, float sigma)
    {
        if (xt.Length != x0.Length || noise.Length != x0.Length || (!target.IsEmpty && target.Length != x0.Length))
            throw new ArgumentException($"flow-matching spans differ in length: xt {xt.Length}, target {target.Length}, x0 {x0.Length}, noise {noise.Length}");
        for (int j = 0; j < x0.Length; j++)
        {
            xt[j] = (1f - sigma) * x0[j] + sigma * noise[j];
            if (!target.IsEmpty) target[j] = noise[j] - x0[j];
        }
    }

    /// <summary>The loss, and d loss / d pred into <paramref name="dpred"/> (skipped when empty).</summary>
    /// <exception cref="ArgumentException">Spans of different lengths or empty.</exception>
    public static float Loss(Span<float> dpred, ReadOnlySpan<float> pred, ReadOnlySpan<float> x0, ReadOnlySpan<float> noise)
    {
        int n = pred.Length;
        if (n == 0 || x0.Length != n || noise.Length != n || (!dpred.IsEmpty && dpred.Length != n))
            throw new ArgumentException($"flow-matching spans differ in length or are empty: pred {n}, x0 {x0.Length}, noise {noise.Length}, dpred {dpred.Length}");
        double sum = 0;
        for (int j = 0; j < n; j++)
        {
            float target = noise[j] - x0[j];
            float diff = pred[j] - target;
            sum += (double)diff * diff;
            if (!dpred.IsEmpty) dpred[j] = 2f * diff / n;
        }
        return (float)(sum / n);
    }
}
