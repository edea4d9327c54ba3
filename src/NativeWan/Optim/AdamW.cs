using System.Numerics.Tensors;

namespace NativeWan.Optim;

/// <summary>AdamW hyper-parameters (PyTorch <c>torch.optim.AdamW</c> defaults; musubi passes lr and weight_decay).</summary>
public sealed record AdamWOptions(double Beta1 = 0.9, double Beta2 = 0.999, double Eps = 1e-8, double WeightDecay = 0.01);

/// <summary>
/// AdamW (Loshchilov and Hutter, arXiv 1711.05101) over flat float32 parameter arrays with fp32 moments, as
/// <c>torch.optim.AdamW</c> computes it: p ← p·(1 − lr·wd); m ← β1 m + (1 − β1) g; v ← β2 v + (1 − β2) g²;
/// p ← p − lr · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε). Parameters are updated in place.
/// </summary>
public sealed class AdamW
{
    readonly IReadOnlyList<float[]> _params;
    readonly AdamWOptions _o;

    /// <summary>First moments, one array per parameter.</summary>
    public float[][] M { get; }
    /// <summary>Second moments, one array per parameter.</summary>
    public float[][] V { get; }
    /// <summary>Number of completed steps (t in the bias corrections).</summary>
    public long Step { get; set; }

    public AdamW(IReadOnlyList<float[]> parameters, AdamWOptions? options = null)
    {
        _params = parameters;
        _o = options ?? new AdamWOptions();
        M = parameters.Select(p => new float[p.Length]).ToArray();
        V = parameters.Select(p => new float[p.Length]).ToArray();
    }

    /// <summary>Applies one update with learning rate <paramref name="lr"/>.</summary>
    /// <param name="grads">Gradients, parallel to the parameters, same lengths.</param>
    /// <exception cref="ArgumentException">Gradient count or length mismatch.</exception>
    public void Update(IReadOnlyList<float[]> grads, double lr)
    {
        if (grads.Count != _params.Count) throw new ArgumentException($"{grads.Count} gradients for {_params.Count} parameters");
        Step++;
        float b1 = (float)_o.Beta1, b2 = (float)_o.Beta2, eps = (float)_o.Eps;
        float bc1 = (float)(1 - Math.Pow(_o.Beta1, Step)), bc2 = (float)(1 - Math.Pow(_o.Beta2, Step));
        float decay = (float)(1 - lr * _o.WeightDecay);
        float stepSize = (float)lr / bc1;
        float bc2Sqrt = MathF.Sqrt(bc2);
        for (int k = 0; k < _params.Count; k++)
        {
            float[] p = _params[k], g = grads[k], m = M[k], v = V[k];
            if (g.Length != p.Length) throw new ArgumentException($"gradient {k} has {g.Length} elements, parameter has {p.Length}");
            for (int i = 0; i < p.Length; i++)
            {
                float gi = g[i];
                p[i] *= decay;
                m[i] = b1 * m[i] + (1 - b1) * gi;
                v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                float denom = MathF.Sqrt(v[i]) / bc2Sqrt + eps;
                p[i] -= stepSize * m[i] / denom;
            }
        }
    }
}

/// <summary>Gradient utilities used before the optimizer step.</summary>
public static class GradientClipping
{
    /// <summary>The global L2 norm √(Σ g²) over all gradient arrays, accumulated in float64.</summary>
    public static double GlobalNorm(IReadOnlyList<float[]> grads)
    {
        double s = 0;
        foreach (var g in grads) { double d = TensorPrimitives.Dot<float>(g, g); s += d; }
        return Math.Sqrt(s);
    }

    /// <summary>
    /// Scales all gradients by min(1, max_norm / (norm + 1e-6)) as <c>torch.nn.utils.clip_grad_norm_</c> does
    /// (<c>--max_grad_norm</c>; 0 disables). Returns the norm before clipping.
    /// </summary>
    public static double ClipByGlobalNorm(IReadOnlyList<float[]> grads, double maxNorm)
    {
        double norm = GlobalNorm(grads);
        if (maxNorm <= 0) return norm;
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1)
            foreach (var g in grads) TensorPrimitives.Multiply(g, (float)coef, g);
        return norm;
    }
}
