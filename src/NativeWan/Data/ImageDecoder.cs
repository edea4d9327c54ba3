namespace NativeWan.Data;

/// <summary>
/// Decodes a still image (png, jpg/jpeg, webp, bmp; anything ffmpeg reads) to 8-bit RGB through an ffmpeg subprocess
/// (<c>-frames:v 1 -pix_fmt rgb24 -f image2pipe -c:v ppm</c>). Alpha is dropped (not composited), as ffmpeg's
/// rgba→rgb24 conversion does; YUV JPEGs are converted with swscale's accurate rounding and full chroma
/// interpolation. EXIF orientation is not applied (musubi-tuner/PIL do not apply it either).
/// </summary>
public static class ImageDecoder
{
    /// <summary>Default wall-clock limit for one decode.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Decodes the first picture of <paramref name="path"/>.</summary>
    /// <returns>The picture at its stored size, HWC RGB bytes.</returns>
    /// <exception cref="MediaException">Missing/unreadable/corrupt file, ffmpeg error or timeout (message names the file and quotes ffmpeg's stderr).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> fired (ffmpeg is killed).</exception>
    public static RgbImage Decode(string path, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new MediaException(full, "file not found");
        RgbImage? image = null;
        var r = FfmpegDecode.Run(full, null, 1, timeout ?? DefaultTimeout, ct, (_, frame) => { image = frame; return false; });
        if (image == null)
            throw new MediaException(full, $"ffmpeg decoded no picture (exit code {r.ExitCode}){FfmpegProcess.FormatTail(r.StderrTail)}");
        return image;
    }
}
