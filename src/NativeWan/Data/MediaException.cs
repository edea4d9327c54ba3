namespace NativeWan.Data;

/// <summary>
/// Thrown when an image or video cannot be probed or decoded: missing file, unreadable or corrupt data, no video
/// stream, ffmpeg/ffprobe missing, a timeout. The message names the file and the reason, including the last lines
/// ffmpeg/ffprobe wrote to stderr where there were any.
/// </summary>
public sealed class MediaException : Exception
{
    /// <summary>Path of the offending media file.</summary>
    public string FilePath { get; }

    /// <summary>The reason alone, without the file name.</summary>
    public string Reason { get; }

    public MediaException(string filePath, string reason, Exception? inner = null)
        : base($"{filePath}: {reason}", inner)
    {
        FilePath = filePath;
        Reason = reason;
    }
}
