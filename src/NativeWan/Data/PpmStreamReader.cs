namespace NativeWan.Data;

/// <summary>
/// Reads consecutive binary PPM (P6, maxval 255) pictures from a stream, as ffmpeg writes them with
/// <c>-f image2pipe -c:v ppm -pix_fmt rgb24</c>. Each picture carries its own size, so no separate probe is needed.
/// </summary>
internal sealed class PpmStreamReader(Stream stream, string mediaPath)
{
    readonly BufferedStream _s = new(stream, 1 << 16);

    /// <summary>The next picture, or null at a clean end of stream before a header.</summary>
    /// <exception cref="MediaException">Malformed header.</exception>
    /// <exception cref="EndOfStreamException">The stream ended inside a picture.</exception>
    public RgbImage? Next()
    {
        int b = SkipSpace();
        if (b < 0) return null;
        int b2 = _s.ReadByte();
        if (b != 'P' || b2 != '6') throw new MediaException(mediaPath, $"ffmpeg output is not a P6 PPM stream (got bytes {b}, {b2})");
        int w = ReadInt(), h = ReadInt(), max = ReadInt();
        if (w <= 0 || h <= 0 || max != 255) throw new MediaException(mediaPath, $"unsupported PPM picture {w}x{h}, maxval {max}");
        // exactly one whitespace byte after maxval was consumed by ReadInt
        var px = new byte[checked(w * h * 3)];
        _s.ReadExactly(px);
        return new RgbImage(w, h, px);
    }

    int SkipSpace()
    {
        while (true)
        {
            int c = _s.ReadByte();
            if (c < 0) return -1;
            if (c == '#') { while (c >= 0 && c != '\n') c = _s.ReadByte(); continue; }
            if (!IsSpace(c)) return c;
        }
    }

    int ReadInt()
    {
        int c = SkipSpace();
        if (c < 0) throw new EndOfStreamException("PPM header cut short");
        long v = 0;
        int digits = 0;
        while (c >= '0' && c <= '9')
        {
            v = v * 10 + (c - '0');
            if (v > int.MaxValue) throw new MediaException(mediaPath, "PPM header value out of range");
            digits++;
            c = _s.ReadByte();
        }
        if (digits == 0 || (c >= 0 && !IsSpace(c))) throw new MediaException(mediaPath, "malformed PPM header");
        return (int)v;
    }

    static bool IsSpace(int c) => c is ' ' or '\n' or '\r' or '\t' or '\v' or '\f';
}
