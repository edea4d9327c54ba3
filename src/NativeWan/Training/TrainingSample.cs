using NativeWan.Models.Wan;

namespace NativeWan.Training;

/// <summary>
/// One cached training item: the VAE latent x0 (normalized, [C, F, H, W] row-major float32), the umT5 context
/// ([L, text_dim], L = the true token count, zero-padded to text_len inside the DiT) and, for I2V, the conditioning y
/// ([4 + C, F, H, W]: first-frame mask and image latent, spec wan-architecture.md 3.1).
/// </summary>
/// <param name="Key">Item name (the media file's stem), for logs.</param>
public sealed record TrainingSample(string Key, float[] Latent, LatentShape Shape, float[] Context, float[]? Cond = null);
