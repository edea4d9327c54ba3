namespace NativeWan.Models.Wan.Cuda;

/// <summary>
/// Error budget of the bf16 device training step (<see cref="WanDitCuda.TrainStep"/>) against float32 references (the
/// golden files and <see cref="WanDit.TrainStep"/>), derived from bf16 rounding.
/// </summary>
/// <remarks>
/// <para>One round-to-nearest-even to bf16 (8 significant bits) leaves a relative error uniform within half an ulp;
/// over spread-out mantissas its NMSE is ≈ 2.2·10⁻⁶ (<see cref="Ops.Cuda.NmseThresholds"/>; the kernel verifier
/// measures 2.6·10⁻⁶ per rounding kernel). Independent rounding errors add up in NMSE, so a result that went through R
/// roundings in sequence carries about R·2.2·10⁻⁶ when every one of them reaches it at unit gain.</para>
/// <para>Counting the roundings of the step (bf16 stores and bf16 operands): each block forward rounds about 25 times
/// along its longest chain — LN output, each projection's weights, output and LoRA add (q/k/v/o, cross q/k/v/o,
/// ffn.0/ffn.2), RMSNorm, RoPE, both attention outputs, GELU — and its backward about as many again (the dy of every
/// GEMM, dQ/dK/dV, RMSNorm and GELU gradients); embeddings, head and patch embedding add about 20. Hence
/// R_pred ≈ 20 + 25·layers for the prediction and R_grad ≈ 20 + 50·layers for gradients (the recompute of a
/// checkpointed block is bit-identical to its forward and adds nothing). The budgets allow 4× that (rounding errors
/// are not all independent, and attention and the norms amplify some), which a wrong index, sign, scale or missing
/// term exceeds by orders of magnitude (those give NMSE ≥ 10⁻²).</para>
/// <para>The loss is a mean of squares, so its relative error is far below the NMSE of the prediction's square root;
/// it must be within one bf16 ulp (2⁻⁸ relative).</para>
/// </remarks>
public static class Bf16Budget
{
    /// <summary>NMSE of one bf16 rounding.</summary>
    public const double PerRounding = 2.2e-6;
    /// <summary>Safety factor over the rounding count.</summary>
    public const double Factor = 4;
    /// <summary>Relative loss tolerance: one bf16 ulp (2⁻⁸).</summary>
    public const double LossRelative = 1.0 / 256;

    /// <summary>NMSE budget of the prediction of a DiT with <paramref name="layers"/> blocks: 4 · 2.2·10⁻⁶ · (20 + 25·layers).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative layer count.</exception>
    public static double Prediction(int layers)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layers);
        return Factor * PerRounding * (20 + 25 * layers);
    }

    /// <summary>NMSE budget of gradients (LoRA and input) of a DiT with <paramref name="layers"/> blocks: 4 · 2.2·10⁻⁶ · (20 + 50·layers).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative layer count.</exception>
    public static double Gradient(int layers)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layers);
        return Factor * PerRounding * (20 + 50 * layers);
    }
}
