namespace NativeWan.Models.Vae;

/// <summary>
/// A float32 video or latent of one sample, channel-first and row-major: <c>[Channels, Frames, Height, Width]</c>
/// (the official un-batched <c>[C, T, H, W]</c> layout). Element (c, t, y, x) is
/// <c>Data[((c·Frames + t)·Height + y)·Width + x]</c>.
/// </summary>
public sealed class VaeTensor
{
    /// <summary>The elements, exactly <c>Channels·Frames·Height·Width</c> of them.</summary>
    public float[] Data { get; }
    public int Channels { get; }
    public int Frames { get; }
    public int Height { get; }
    public int Width { get; }

    /// <summary>Wraps <paramref name="data"/> (not copied).</summary>
    /// <exception cref="ArgumentException">A dimension is not positive or the data length is not their product.</exception>
    public VaeTensor(float[] data, int channels, int frames, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (channels <= 0 || frames <= 0 || height <= 0 || width <= 0)
            throw new ArgumentException($"tensor dimensions must be positive, got [{channels}, {frames}, {height}, {width}]");
        long n = (long)channels * frames * height * width;
        if (data.Length != n)
            throw new ArgumentException($"data has {data.Length} elements but [{channels}, {frames}, {height}, {width}] needs {n}", nameof(data));
        Data = data; Channels = channels; Frames = frames; Height = height; Width = width;
    }

    /// <summary>A zero-filled tensor of the given shape.</summary>
    public static VaeTensor Zeros(int channels, int frames, int height, int width)
    {
        long n = (long)channels * frames * height * width;
        if (channels <= 0 || frames <= 0 || height <= 0 || width <= 0 || n > Array.MaxLength)
            throw new ArgumentException($"invalid tensor shape [{channels}, {frames}, {height}, {width}]");
        return new VaeTensor(new float[n], channels, frames, height, width);
    }

    /// <summary>Shape as "[C, T, H, W]".</summary>
    public string ShapeText => $"[{Channels}, {Frames}, {Height}, {Width}]";

    /// <summary>Element (c, t, y, x).</summary>
    public float this[int c, int t, int y, int x]
    {
        get => Data[(((long)c * Frames + t) * Height + y) * Width + x];
        set => Data[(((long)c * Frames + t) * Height + y) * Width + x] = value;
    }
}
