namespace NativeWan.Data;

/// <summary>
/// Decodes the frames of a video (mp4, webm, mov, mkv, gif…; anything ffmpeg reads) to 8-bit RGB through an ffmpeg
/// subprocess. Frames come in presentation order at the stored size (display rotation applied by ffmpeg's autorotate).
/// </summary>
public static class VideoDecoder
{
    /// <summary>Default wall-clock limit for one decode.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Decodes all frames (or the first <paramref name="maxFrames"/>). With <paramref name="targetFps"/> the stream is
    /// resampled to that rate by ffmpeg's <c>fps</c> filter (timestamp-based: frames are dropped or duplicated).
    /// For musubi-tuner's own <c>source_fps</c> frame dropping use <see cref="FrameExtraction.ResampleSourceIndices"/>
    /// with <see cref="ForEachFrame"/> instead.
    /// </summary>
    /// <exception cref="MediaException">Missing/corrupt file, no frames, ffmpeg error or timeout.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> fired (ffmpeg is killed).</exception>
    public static List<RgbImage> DecodeFrames(string path, double? targetFps = null, int? maxFrames = null,
        TimeSpan? timeout = null, CancellationToken ct = default)
    {
        var frames = new List<RgbImage>();
        ForEachFrame(path, (_, f) => { frames.Add(f); return true; }, targetFps, maxFrames, timeout, ct);
        return frames;
    }

    /// <summary>
    /// Streams frames to <paramref name="onFrame"/>(index, frame) without keeping them; return false to stop (ffmpeg is
    /// killed). Lets a caller keep only selected frames, resized, so long videos never sit in memory whole.
    /// </summary>
    /// <returns>The number of frames passed to <paramref name="onFrame"/>.</returns>
    /// <exception cref="MediaException">Missing/corrupt file, no frames, ffmpeg error or timeout.</exception>
    public static int ForEachFrame(string path, Func<int, RgbImage, bool> onFrame, double? targetFps = null, int? maxFrames = null,
        TimeSpan? timeout = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(onFrame);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new MediaException(full, "file not found");
        var r = FfmpegDecode.Run(full, targetFps, maxFrames, timeout ?? DefaultTimeout, ct, onFrame);
        if (r.Frames == 0)
            throw new MediaException(full, $"ffmpeg decoded no frames (exit code {r.ExitCode}){FfmpegProcess.FormatTail(r.StderrTail)}");
        return r.Frames;
    }
}
