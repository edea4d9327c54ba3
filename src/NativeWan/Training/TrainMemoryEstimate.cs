using NativeWan.Models.Wan;

namespace NativeWan.Training;

/// <summary>
/// A rough CPU memory estimate of a training run on the float32 reference path, in bytes. Formula (all float32,
/// 4 bytes per value; S = the largest item's tokens F·H·W/(pt·ph·pw), D = dim, Fd = ffn_dim, T = text_len,
/// L = layers, r = rank, P = DiT parameters, Q = trainable LoRA parameters):
/// <list type="bullet">
/// <item><b>weights</b>: 4·P per DiT (every DiT is held in float32, whatever its file dtype);</item>
/// <item><b>LoRA</b>: 4·4·Q per distinct network (parameters, gradients, AdamW m and v);</item>
/// <item><b>activations</b>, per DiT (each keeps its own workspace): the residual stream (L + 1)·S·D, one block's
/// saved activations ≈ 14·S·D + 2·S·Fd + 3·T·D + 10·S·r, gradient scratch ≈ 6·S·D + S·Fd + 3·T·D, head and context
/// ≈ 3·S·D + T·D; without gradient checkpointing every block keeps its activations: L·(14·S·D + 2·S·Fd + 3·T·D + 10·S·r);</item>
/// <item><b>data</b>: the cached latents, text embeddings and I2V conditioning of the distinct items.</item>
/// </list>
/// Allocator overhead, the runtime and attention temporaries are not counted; treat it as a lower bound within ~20 %.
/// </summary>
/// <param name="WeightsBytes">Frozen DiT weights.</param>
/// <param name="LoraBytes">LoRA parameters, gradients and optimizer moments.</param>
/// <param name="ActivationBytes">Forward/backward buffers.</param>
/// <param name="DataBytes">Loaded caches.</param>
public sealed record TrainMemoryEstimate(long WeightsBytes, long LoraBytes, long ActivationBytes, long DataBytes)
{
    /// <summary>Sum of the parts.</summary>
    public long TotalBytes => WeightsBytes + LoraBytes + ActivationBytes + DataBytes;

    /// <summary>Applies the formula on the class.</summary>
    /// <param name="config">DiT configuration (both experts share it).</param>
    /// <param name="ditParameters">Parameter count of each DiT.</param>
    /// <param name="loraParameters">Trainable parameter count of each distinct LoRA network.</param>
    /// <param name="rank">LoRA rank.</param>
    /// <param name="maxTokens">Largest item's token count.</param>
    /// <param name="dataValues">Float values held by the loaded caches.</param>
    /// <param name="gradientCheckpointing">Whether blocks are recomputed in backward.</param>
    public static TrainMemoryEstimate Compute(WanConfig config, IReadOnlyList<long> ditParameters, IReadOnlyList<long> loraParameters,
        int rank, long maxTokens, long dataValues, bool gradientCheckpointing)
    {
        long s = maxTokens, d = config.Dim, f = config.FfnDim, t = config.TextLen, l = config.NumLayers;
        long block = 14 * s * d + 2 * s * f + 3 * t * d + 10 * s * rank;
        long perDit = (l + 1) * s * d + block + (6 * s * d + s * f + 3 * t * d) + (3 * s * d + t * d);
        if (!gradientCheckpointing) perDit += l * block;
        return new TrainMemoryEstimate(
            4 * ditParameters.Sum(),
            16 * loraParameters.Sum(),
            4 * perDit * ditParameters.Count,
            4 * dataValues);
    }

    /// <summary>Human-readable size (KiB, MiB, GiB with one decimal).</summary>
    public static string Format(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => FormattableString.Invariant($"{bytes / 1024.0:0.0} KiB"),
        < 1024L * 1024 * 1024 => FormattableString.Invariant($"{bytes / (1024.0 * 1024):0.0} MiB"),
        _ => FormattableString.Invariant($"{bytes / (1024.0 * 1024 * 1024):0.0} GiB"),
    };
}
