using NativeWan.Models.Vae;

namespace NativeWan.Caching;

/// <summary>
/// The I2V-A14B conditioning <c>y</c> (spec wan-architecture.md 3.1; official <c>wan/image2video.py</c>, musubi
/// <c>wan_cache_latents.py</c>): <c>concat(mask [4, T, h, w], VAE.encode([frame 0, zeros × (F−1)]) [16, T, h, w])</c>
/// → [4 + 16, T, h, w], float32, channel-first.
/// </summary>
public static class I2VConditioning
{
    /// <summary>Mask channels in front of the image latent.</summary>
    public const int MaskChannels = 4;

    /// <summary>
    /// The mask [4, T, h, w] for a clip of <paramref name="pixelFrames"/> = 4(T−1)+1 frames, built the official way: a
    /// per-pixel-frame mask m of length F (1 for frame 0, 0 otherwise), frame 0 repeated four times (length F + 3 = 4T),
    /// viewed as [T, 4] and transposed, so channel j of latent frame t is m'[4t + j]. The result is 1 on every channel
    /// of latent frame 0 and 0 elsewhere.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="pixelFrames"/> is not 4n + 1, or a size is not positive.</exception>
    public static float[] BuildMask(int pixelFrames, int latentHeight, int latentWidth)
    {
        if (pixelFrames < 1 || (pixelFrames - 1) % 4 != 0)
            throw new ArgumentException($"I2V mask: frame count {pixelFrames} is not 4n+1");
        if (latentHeight < 1 || latentWidth < 1)
            throw new ArgumentException($"I2V mask: latent size {latentHeight}x{latentWidth} is not positive");
        // per-pixel-frame mask, frame 0 repeated 4 times in front of frames 1..F-1
        var m = new float[pixelFrames];
        m[0] = 1f;
        var extended = new float[pixelFrames + 3];
        for (int i = 0; i < 4; i++) extended[i] = m[0];
        Array.Copy(m, 1, extended, 4, pixelFrames - 1);
        int t = extended.Length / 4, hw = latentHeight * latentWidth;
        var mask = new float[(long)MaskChannels * t * hw];
        for (int c = 0; c < MaskChannels; c++)
            for (int f = 0; f < t; f++)
                mask.AsSpan((c * t + f) * hw, hw).Fill(extended[f * 4 + c]); // [T, 4] transposed to [4, T]
        return mask;
    }

    /// <summary>
    /// The VAE input for the image latent: frame 0 of <paramref name="video"/> followed by F − 1 zero frames (0 in
    /// [−1, 1] = mid grey), [3, F, H, W].
    /// </summary>
    public static VaeTensor FirstFrameClip(VaeTensor video)
    {
        ArgumentNullException.ThrowIfNull(video);
        var clip = VaeTensor.Zeros(video.Channels, video.Frames, video.Height, video.Width);
        int hw = video.Height * video.Width;
        for (int c = 0; c < video.Channels; c++)
            video.Data.AsSpan(c * video.Frames * hw, hw).CopyTo(clip.Data.AsSpan(c * video.Frames * hw, hw));
        return clip;
    }

    /// <summary>
    /// y = concat(<see cref="BuildMask"/>, <paramref name="imageLatent"/>) along channels → [4 + C, T, h, w].
    /// </summary>
    /// <param name="imageLatent">VAE latent of <see cref="FirstFrameClip"/>, [C, T, h, w].</param>
    /// <param name="pixelFrames">F of the clip it was encoded from (4(T−1)+1).</param>
    /// <exception cref="ArgumentException">T does not match <paramref name="pixelFrames"/>.</exception>
    public static VaeTensor Concat(VaeTensor imageLatent, int pixelFrames)
    {
        ArgumentNullException.ThrowIfNull(imageLatent);
        var mask = BuildMask(pixelFrames, imageLatent.Height, imageLatent.Width);
        int t = mask.Length / (MaskChannels * imageLatent.Height * imageLatent.Width);
        if (t != imageLatent.Frames)
            throw new ArgumentException($"I2V: image latent has {imageLatent.Frames} frames, {pixelFrames} pixel frames give {t}");
        var y = new float[mask.Length + imageLatent.Data.Length];
        mask.CopyTo(y, 0);
        imageLatent.Data.CopyTo(y, mask.Length);
        return new VaeTensor(y, MaskChannels + imageLatent.Channels, t, imageLatent.Height, imageLatent.Width);
    }
}
