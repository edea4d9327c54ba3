namespace NativeWan.Data;

/// <summary>Where <see cref="MediaInfo.FrameCount"/> came from.</summary>
public enum FrameCountSource
{
    /// <summary>A still image: one frame.</summary>
    Still,
    /// <summary>The container's <c>nb_frames</c> header field (fast, usually exact for mp4/mov).</summary>
    Header,
    /// <summary>Packets counted by demuxing (<c>ffprobe -count_packets</c>); no decoding.</summary>
    Packets,
    /// <summary>Frames counted by decoding the whole stream (<c>ffprobe -count_frames</c>); exact, slow.</summary>
    Decoded,
}

/// <summary>
/// What ffprobe says about the first video stream of a file.
/// </summary>
/// <param name="Path">Absolute path of the file.</param>
/// <param name="FormatName">ffprobe's <c>format_name</c> (e.g. <c>image2</c>, <c>png_pipe</c>, <c>mov,mp4,m4a,3gp,3g2,mj2</c>).</param>
/// <param name="CodecName">Codec of the video stream (e.g. <c>mjpeg</c>, <c>h264</c>).</param>
/// <param name="Width">Display width in pixels (coded width, swapped with height for a ±90° rotation tag, as ffmpeg's autorotate outputs it).</param>
/// <param name="Height">Display height in pixels.</param>
/// <param name="FrameCount">Number of frames (1 for still images); see <paramref name="FrameCountFrom"/>.</param>
/// <param name="FrameRate">Average frame rate (<c>avg_frame_rate</c>, else <c>r_frame_rate</c>); <c>0/0</c> when unknown.</param>
/// <param name="DurationSeconds">Stream duration, else container duration, else frames / fps; 0 when unknown.</param>
/// <param name="IsVideo">False for still-image demuxers (<c>image2</c>, <c>*_pipe</c>), true for containers (mp4, webm, mkv, gif…).</param>
/// <param name="Rotation">Display rotation in degrees from the stream's display matrix or <c>rotate</c> tag (0 if none).</param>
/// <param name="FrameCountFrom">How <paramref name="FrameCount"/> was obtained.</param>
public sealed record MediaInfo(
    string Path,
    string FormatName,
    string CodecName,
    int Width,
    int Height,
    long FrameCount,
    Rational FrameRate,
    double DurationSeconds,
    bool IsVideo,
    int Rotation,
    FrameCountSource FrameCountFrom)
{
    /// <summary>Frames per second as a double (NaN when unknown).</summary>
    public double Fps => FrameRate.Value;
}
