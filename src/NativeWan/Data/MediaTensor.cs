namespace NativeWan.Data;

/// <summary>
/// Converts 8-bit RGB pictures to the Wan VAE input: float32 in [-1, 1], value = byte / 127.5 − 1 (musubi-tuner's
/// <c>contents / 127.5 - 1.0</c> in wan_cache_latents.py; computed in float32, where musubi uses the VAE dtype),
/// channel-first.
/// </summary>
public static class MediaTensor
{
    /// <summary>One picture as [3, H, W] (CHW, R, G, B planes).</summary>
    public static float[] ToChw(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var dst = new float[3L * image.Width * image.Height];
        WritePlanes(image, dst, 0, 1);
        return dst;
    }

    /// <summary>
    /// Frames as [3, F, H, W] (the VAE's C, T, H, W layout): element (c, f, y, x) at ((c·F + f)·H + y)·W + x.
    /// </summary>
    /// <exception cref="ArgumentException">No frames, or frames of different sizes.</exception>
    public static float[] ToCfhw(IReadOnlyList<RgbImage> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.Count == 0) throw new ArgumentException("no frames to convert");
        int w = frames[0].Width, h = frames[0].Height;
        var dst = new float[3L * frames.Count * w * h];
        ToCfhw(frames, dst);
        return dst;
    }

    /// <summary>Writes frames as [3, F, H, W] into <paramref name="destination"/> (length 3·F·H·W).</summary>
    /// <exception cref="ArgumentException">No frames, frames of different sizes, or a destination of the wrong length.</exception>
    public static void ToCfhw(IReadOnlyList<RgbImage> frames, float[] destination)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(destination);
        if (frames.Count == 0) throw new ArgumentException("no frames to convert");
        int w = frames[0].Width, h = frames[0].Height, f = frames.Count;
        for (int i = 1; i < f; i++)
            if (frames[i].Width != w || frames[i].Height != h)
                throw new ArgumentException($"frame {i} is {frames[i].Width}x{frames[i].Height}, frame 0 is {w}x{h}");
        if (destination.LongLength != 3L * f * w * h)
            throw new ArgumentException($"destination holds {destination.LongLength} floats, [3, {f}, {h}, {w}] needs {3L * f * w * h}");
        for (int i = 0; i < f; i++) WritePlanes(frames[i], destination, i, f);
    }

    /// <summary>Writes picture planes c = 0..2 at plane index (c·frames + frame).</summary>
    static void WritePlanes(RgbImage image, float[] dst, int frame, int frames)
    {
        int hw = image.Width * image.Height;
        var src = image.Rgb;
        long p0 = (0L * frames + frame) * hw, p1 = (1L * frames + frame) * hw, p2 = (2L * frames + frame) * hw;
        for (int i = 0, s = 0; i < hw; i++, s += 3)
        {
            dst[p0 + i] = src[s] / 127.5f - 1f;
            dst[p1 + i] = src[s + 1] / 127.5f - 1f;
            dst[p2 + i] = src[s + 2] / 127.5f - 1f;
        }
    }
}
