using NativeWan.Optim;

namespace NativeWan.Ops.Cuda;

/// <summary>
/// The per-step scalars of kernels/adamw.cu, computed exactly as <see cref="AdamW.Update"/> computes them (same
/// float64 → float32 casts, same order), so the kernel's update is bit-identical to the CPU optimizer's.
/// </summary>
/// <param name="Beta1">β1 as fp32.</param>
/// <param name="OneMinusBeta1">1f − β1 in fp32.</param>
/// <param name="Beta2">β2 as fp32.</param>
/// <param name="OneMinusBeta2">1f − β2 in fp32.</param>
/// <param name="Eps">ε as fp32.</param>
/// <param name="Decay">(float)(1 − lr·weight_decay).</param>
/// <param name="StepSize">(float)lr / (float)(1 − β1^t).</param>
/// <param name="Bc2Sqrt">√(float)(1 − β2^t) in fp32.</param>
/// <param name="GradScale">Gradient multiplier (the clipping coefficient, 1 when not clipping).</param>
public readonly record struct AdamWScalars(float Beta1, float OneMinusBeta1, float Beta2, float OneMinusBeta2, float Eps,
    float Decay, float StepSize, float Bc2Sqrt, float GradScale)
{
    /// <summary>
    /// Scalars of update number <paramref name="step"/> (t ≥ 1: the value of <see cref="AdamW.Step"/> after the
    /// increment) with learning rate <paramref name="lr"/>.
    /// </summary>
    /// <param name="options">Hyper-parameters.</param>
    /// <param name="step">t, the 1-based step number used in the bias corrections.</param>
    /// <param name="lr">Learning rate.</param>
    /// <param name="gradScale">(float) of the clipping coefficient from <see cref="GradientClipping"/> when it is below 1,
    /// else 1 (multiplying by 1 is exact, like not scaling).</param>
    /// <exception cref="ArgumentOutOfRangeException">step below 1.</exception>
    public static AdamWScalars For(AdamWOptions options, long step, double lr, float gradScale = 1f)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
        float b1 = (float)options.Beta1, b2 = (float)options.Beta2, eps = (float)options.Eps;
        float bc1 = (float)(1 - Math.Pow(options.Beta1, step)), bc2 = (float)(1 - Math.Pow(options.Beta2, step));
        float decay = (float)(1 - lr * options.WeightDecay);
        float stepSize = (float)lr / bc1;
        return new AdamWScalars(b1, 1 - b1, b2, 1 - b2, eps, decay, stepSize, MathF.Sqrt(bc2), gradScale);
    }

    /// <summary>
    /// The kernel's per-element update on the CPU, operation for operation (each product, sum, quotient and square root
    /// rounded to fp32 on its own): a host mirror of nw_adamw_f32, used to check the bit-exactness claim.
    /// </summary>
    /// <exception cref="ArgumentException">Spans of different lengths.</exception>
    public void Apply(Span<float> p, Span<float> m, Span<float> v, ReadOnlySpan<float> grad)
    {
        if (m.Length != p.Length || v.Length != p.Length || grad.Length != p.Length)
            throw new ArgumentException($"AdamW spans differ in length: p {p.Length}, m {m.Length}, v {v.Length}, grad {grad.Length}");
        for (int i = 0; i < p.Length; i++)
        {
            float g = grad[i] * GradScale;
            float pi = p[i] * Decay;
            float a = Beta1 * m[i], b = OneMinusBeta1 * g;
            float mi = a + b;
            float c = Beta2 * v[i], d = OneMinusBeta2 * g;
            d *= g;
            float vi = c + d;
            float denom = MathF.Sqrt(vi) / Bc2Sqrt + Eps;
            float upd = StepSize * mi;
            pi -= upd / denom;
            p[i] = pi; m[i] = mi; v[i] = vi;
        }
    }
}
