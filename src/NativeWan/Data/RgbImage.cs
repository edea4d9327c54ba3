namespace NativeWan.Data;

/// <summary>
/// An 8-bit RGB picture: <see cref="Rgb"/> holds <c>Height × Width × 3</c> bytes in HWC order (row-major, R, G, B
/// interleaved), the layout ffmpeg's <c>rgb24</c> and PIL/NumPy's <c>uint8[H, W, 3]</c> use.
/// </summary>
public sealed class RgbImage
{
    /// <summary>Width in pixels (≥ 1).</summary>
    public int Width { get; }
    /// <summary>Height in pixels (≥ 1).</summary>
    public int Height { get; }
    /// <summary>Pixels, HWC, length <c>Width · Height · 3</c>.</summary>
    public byte[] Rgb { get; }

    /// <summary>Wraps an existing HWC buffer (not copied).</summary>
    /// <exception cref="ArgumentException">Non-positive size or a buffer whose length is not <c>W·H·3</c>.</exception>
    public RgbImage(int width, int height, byte[] rgb)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        if (width <= 0 || height <= 0)
            throw new ArgumentException($"image size must be positive, got {width}x{height}");
        if (rgb.LongLength != (long)width * height * 3)
            throw new ArgumentException($"RGB buffer holds {rgb.LongLength} bytes, a {width}x{height} image needs {(long)width * height * 3}");
        Width = width;
        Height = height;
        Rgb = rgb;
    }

    /// <summary>A black image of the given size.</summary>
    public RgbImage(int width, int height) : this(width, height, new byte[checked(width * height * 3)]) { }

    /// <summary>Byte offset of pixel (x, y)'s red value in <see cref="Rgb"/>.</summary>
    public int Offset(int x, int y) => (y * Width + x) * 3;

    public override string ToString() => $"RgbImage {Width}x{Height}";
}
