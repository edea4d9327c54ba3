namespace NativeWan.Models.Wan;

/// <summary>Shape of an un-batched latent [Channels, Frames, Height, Width] (latent frames and pixels/8 or /16).</summary>
public readonly record struct LatentShape(int Channels, int Frames, int Height, int Width)
{
    /// <summary>Channels·Frames·Height·Width.</summary>
    public long Elements => (long)Channels * Frames * Height * Width;
    public override string ToString() => $"[{Channels}, {Frames}, {Height}, {Width}]";
}

/// <summary>
/// Receives intermediate tensors of <see cref="WanDit.Forward"/> for debugging and golden comparison. Names follow the
/// golden files without their <c>dbg.</c> prefix: <c>patch_embed</c> [L, dim], <c>time_embedding</c> [dim],
/// <c>time_projection</c> [6, dim], <c>text_embedding</c> [text_len, dim], <c>block0.self_attn.q_rope</c>,
/// <c>.k_rope</c>, <c>.v</c>, <c>.attn</c> [seq, heads, head_dim], <c>block0.cross_attn.q</c>, <c>.attn</c>
/// [seq, heads, head_dim], <c>block0.cross_attn.k</c> [text_len, heads, head_dim], <c>block{i}.out</c> [seq, dim],
/// <c>head</c> [L, pt·ph·pw·out_dim]. The span is only valid during the call.
/// </summary>
public delegate void WanTap(string name, ReadOnlySpan<float> data);

/// <summary>Options of <see cref="WanDit.TrainStep"/>.</summary>
public sealed record WanTrainOptions
{
    /// <summary>Gradient checkpointing: the forward keeps only each block's input and the backward recomputes the block
    /// (musubi <c>--gradient_checkpointing</c>). False keeps every activation of every block. Both give identical results.</summary>
    public bool GradientCheckpointing { get; init; } = true;
    /// <summary>Add to the LoRA gradients instead of overwriting them (gradient accumulation).</summary>
    public bool AccumulateGradients { get; init; }
    /// <summary>Padded token count (≥ the latent's token count); null = no padding.</summary>
    public int? SeqLen { get; init; }
}

/// <summary>Result of one flow-matching training step (spec 4.1).</summary>
/// <param name="Loss">mean((pred − (ε − x0))²) over all latent elements.</param>
/// <param name="Prediction">The DiT output for x_t, [out_dim, F, H, W].</param>
/// <param name="XT">x_t = (1 − σ)·x0 + σ·ε, [C, F, H, W].</param>
/// <param name="DLossDXt">d loss / d x_t with x_t treated as a leaf, [C, F, H, W].</param>
/// <param name="DLossDX0">total d loss / d x0 (through x_t and the target), [C, F, H, W].</param>
public sealed record WanTrainStepResult(float Loss, float[] Prediction, float[] XT, float[] DLossDXt, float[] DLossDX0);
