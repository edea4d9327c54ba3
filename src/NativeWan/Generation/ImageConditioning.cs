using NativeWan.Data;
using NativeWan.Models.Vae;

namespace NativeWan.Generation;

/// <summary>
/// The I2V-A14B conditioning y of spec 3.1 (W22 <c>wan/image2video.py</c>): output size from the requested area and the
/// image's aspect ratio, bicubic resize, VAE encode of [image, zero frames], first-frame mask, <c>y = [mask; latent]</c>.
/// </summary>
public static class ImageConditioning
{
    /// <summary>
    /// The official I2V output size for an image of <paramref name="imageWidth"/>×<paramref name="imageHeight"/> and
    /// <c>max_area</c> = <paramref name="maxArea"/>, in float64 as the official code:
    /// <c>a = h/w; lat_h = ⌊⌊√(max_area·a)/stride⌋/patch⌋·patch; lat_w = ⌊⌊√(max_area/a)/stride⌋/patch⌋·patch</c>;
    /// pixel size = stride·lat. The aspect ratio may change slightly (no crop).
    /// </summary>
    /// <param name="vaeStride">Spatial VAE factor (8).</param>
    /// <param name="patch">DiT spatial patch (2).</param>
    /// <exception cref="ArgumentException">A non-positive size, or an area too small to give one latent patch.</exception>
    public static (int Width, int Height) OutputSize(int imageWidth, int imageHeight, long maxArea, int vaeStride = 8, int patch = 2)
    {
        if (imageWidth <= 0 || imageHeight <= 0 || maxArea <= 0 || vaeStride <= 0 || patch <= 0)
            throw new ArgumentException($"image {imageWidth}x{imageHeight}, area {maxArea}: sizes must be positive");
        double a = (double)imageHeight / imageWidth;
        int latH = (int)Math.Round(Math.Floor(Math.Floor(Math.Sqrt(maxArea * a) / vaeStride) / patch) * patch);
        int latW = (int)Math.Round(Math.Floor(Math.Floor(Math.Sqrt(maxArea / a) / vaeStride) / patch) * patch);
        if (latH <= 0 || latW <= 0)
            throw new ArgumentException($"area {maxArea} px is too small for a {imageWidth}x{imageHeight} image (latent {latW}x{latH})");
        return (latW * vaeStride, latH * vaeStride);
    }

    /// <summary>
    /// The image as the official code feeds the VAE: <c>to_tensor</c> and (v − ½)/½ → [−1, 1] (here byte/127.5 − 1, equal up
    /// to float rounding), then bicubic to <paramref name="width"/>×<paramref name="height"/> (<see cref="BicubicResize"/>).
    /// </summary>
    /// <returns>[3, height, width] float32.</returns>
    public static float[] PrepareImage(RgbImage image, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        var chw = MediaTensor.ToChw(image);
        if (image.Width == width && image.Height == height) return chw;
        return BicubicResize.Resize(chw, 3, image.Height, image.Width, height, width);
    }

    /// <summary>
    /// The first-frame mask [<paramref name="temporalFactor"/>, T, h, w], T = (F − 1)/tf + 1: a per-pixel-frame mask
    /// (1 for frame 0, 0 after) with frame 0 repeated tf times, reshaped to [T, tf] and transposed — so channel j of
    /// latent frame i is pixel sub-frame j of that latent frame (all 1 at latent frame 0, 0 elsewhere).
    /// </summary>
    /// <exception cref="ArgumentException">F is not tf·n + 1 or a size is not positive.</exception>
    public static float[] FirstFrameMask(int frames, int temporalFactor, int height, int width)
    {
        if (temporalFactor <= 0 || height <= 0 || width <= 0 || frames < 1 || (frames - 1) % temporalFactor != 0)
            throw new ArgumentException($"mask for {frames} frames with temporal factor {temporalFactor}: F must be {temporalFactor}n+1 and sizes positive");
        int latT = (frames - 1) / temporalFactor + 1, hw = height * width;
        var mask = new float[(long)temporalFactor * latT * hw];
        for (int j = 0; j < temporalFactor; j++)
            for (int i = 0; i < latT; i++)
            {
                // Extended mask index m: m < tf is pixel frame 0 (repeated tf times) → 1; m ≥ tf is pixel frame m − tf + 1 ≥ 1 → 0.
                int m = i * temporalFactor + j;
                if (m < temporalFactor) mask.AsSpan((j * latT + i) * hw, hw).Fill(1f);
            }
        return mask;
    }

    /// <summary>
    /// y = [mask (tf channels); VAE.encode([image, 0, …, 0])] with shape [tf + z, T, H/8, W/8] (20 channels for the
    /// Wan 2.1 VAE). The pixel clip [3, F, H, W] holds the prepared image at frame 0 and zeros (mid-grey) elsewhere;
    /// the zero frames are encoded too.
    /// </summary>
    /// <param name="vae">The VAE (normalized latents, as the official wrapper).</param>
    /// <param name="image">The start image, any size.</param>
    /// <param name="width">Output width (from <see cref="OutputSize"/>).</param>
    /// <param name="height">Output height.</param>
    /// <param name="frames">Pixel frames F.</param>
    /// <exception cref="ArgumentException">Sizes the VAE refuses.</exception>
    public static float[] BuildCondition(WanVae vae, RgbImage image, int width, int height, int frames)
    {
        ArgumentNullException.ThrowIfNull(vae);
        int tf = vae.Config.TemporalFactor, sf = vae.Config.SpatialFactor;
        int latT = vae.LatentFramesFor(3, frames, height, width);
        var img = PrepareImage(image, width, height);
        var clip = VaeTensor.Zeros(3, frames, height, width);
        int hw = height * width;
        for (int c = 0; c < 3; c++) img.AsSpan(c * hw, hw).CopyTo(clip.Data.AsSpan(c * frames * hw, hw));
        var lat = vae.Encode(clip);
        int lh = height / sf, lw = width / sf;
        var mask = FirstFrameMask(frames, tf, lh, lw);
        var y = new float[mask.Length + lat.Data.Length];
        mask.CopyTo(y, 0);
        lat.Data.CopyTo(y, mask.Length);
        if (lat.Frames != latT) throw new InvalidOperationException($"VAE returned {lat.Frames} latent frames, expected {latT}");
        return y;
    }
}
