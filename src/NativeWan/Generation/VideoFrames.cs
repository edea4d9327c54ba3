using NativeWan.Models.Vae;

namespace NativeWan.Generation;

/// <summary>
/// 8-bit RGB video frames: <see cref="Rgb"/> holds <c>Count × Height × Width × 3</c> bytes, frame-major, each frame HWC
/// (ffmpeg <c>rgb24</c>).
/// </summary>
public sealed class VideoFrames
{
    /// <summary>Frame width in pixels.</summary>
    public int Width { get; }
    /// <summary>Frame height in pixels.</summary>
    public int Height { get; }
    /// <summary>Number of frames.</summary>
    public int Count { get; }
    /// <summary>[Count, Height, Width, 3] bytes.</summary>
    public byte[] Rgb { get; }

    /// <summary>Bytes of one frame (W·H·3).</summary>
    public int FrameBytes => Width * Height * 3;

    /// <summary>Wraps frame bytes (not copied).</summary>
    /// <exception cref="ArgumentException">Non-positive sizes or a buffer of the wrong length.</exception>
    public VideoFrames(int width, int height, int count, byte[] rgb)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        if (width <= 0 || height <= 0 || count <= 0) throw new ArgumentException($"video size {width}x{height}x{count} must be positive");
        if (rgb.LongLength != 3L * width * height * count)
            throw new ArgumentException($"frame buffer holds {rgb.LongLength} bytes, {count} frames of {width}x{height} need {3L * width * height * count}");
        Width = width; Height = height; Count = count; Rgb = rgb;
    }

    /// <summary>Frame <paramref name="index"/>, HWC bytes.</summary>
    public ReadOnlySpan<byte> Frame(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Rgb.AsSpan(index * FrameBytes, FrameBytes);
    }

    /// <summary>
    /// Converts a decoded video [3, F, H, W] with values in [−1, 1] to bytes as the official <c>save_video</c> does:
    /// clamp to [−1, 1], <c>(x + 1)/2</c>, ×255, truncate to uint8.
    /// </summary>
    /// <exception cref="ArgumentException">The video does not have 3 channels.</exception>
    public static VideoFrames FromVideo(VaeTensor video)
    {
        ArgumentNullException.ThrowIfNull(video);
        if (video.Channels != 3) throw new ArgumentException($"video has {video.Channels} channels, RGB needs 3 (layout [3, F, H, W])");
        int f = video.Frames, h = video.Height, w = video.Width, hw = h * w;
        var rgb = new byte[3L * f * hw];
        var d = video.Data;
        for (int t = 0; t < f; t++)
            for (int c = 0; c < 3; c++)
            {
                int src = (c * f + t) * hw, dst = t * hw * 3 + c;
                for (int i = 0; i < hw; i++) rgb[dst + 3 * i] = ToByte(d[src + i]);
            }
        return new VideoFrames(w, h, f, rgb);
    }

    static byte ToByte(float x)
    {
        float v = (Math.Clamp(x, -1f, 1f) + 1f) / 2f * 255f;
        return v >= 255f ? (byte)255 : v > 0 ? (byte)v : (byte)0;   // NaN → 0
    }
}
