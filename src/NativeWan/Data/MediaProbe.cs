using System.Globalization;
using System.Text;
using System.Text.Json;

namespace NativeWan.Data;

/// <summary>
/// Reads size, frame count, frame rate and duration of an image or video with <c>ffprobe -print_format json
/// -show_format -show_streams</c> (first video stream).
/// </summary>
public static class MediaProbe
{
    /// <summary>Default wall-clock limit for one ffprobe run.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Probes <paramref name="path"/>. Frame count of a video: with <paramref name="exactFrameCount"/> the stream is
    /// decoded and its frames counted (<c>-count_frames</c>, what a decoder will deliver); otherwise the container's
    /// <c>nb_frames</c> is used and, where the container has none (webm, mkv, gif), packets are counted by demuxing
    /// (<c>-count_packets</c>, one packet per frame for video codecs).
    /// </summary>
    /// <exception cref="MediaException">Missing file, ffprobe failure, no video stream, zero width/height (corrupt data); the message names the file and quotes ffprobe's stderr.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> fired (ffprobe is killed).</exception>
    public static MediaInfo Probe(string path, bool exactFrameCount = false, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full)) throw new MediaException(full, "file not found");
        var limit = timeout ?? DefaultTimeout;

        var (json, tail) = RunJson(full, limit, ct,
            ["-v", "error", "-hide_banner", "-print_format", "json", "-show_format", "-show_streams", "-select_streams", "v:0"]);

        string format = "", codec = "";
        int width = 0, height = 0, rotation = 0;
        long nbFrames = 0;
        Rational avg = default, rfr = default;
        double streamDuration = double.NaN, formatDuration = double.NaN;
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.TryGetProperty("format", out var fmt))
            {
                format = Str(fmt, "format_name") ?? "";
                formatDuration = Dbl(Str(fmt, "duration"));
            }
            if (!root.TryGetProperty("streams", out var streams) || streams.ValueKind != JsonValueKind.Array || streams.GetArrayLength() == 0)
                throw new MediaException(full, $"no video stream found (format '{format}'){FfmpegProcess.FormatTail(tail)}");
            var s = streams[0];
            codec = Str(s, "codec_name") ?? "";
            width = Int(s, "width");
            height = Int(s, "height");
            var nf = Dbl(Str(s, "nb_frames"));
            nbFrames = double.IsFinite(nf) && nf > 0 ? (long)nf : 0;
            avg = Rational.Parse(Str(s, "avg_frame_rate"));
            rfr = Rational.Parse(Str(s, "r_frame_rate"));
            streamDuration = Dbl(Str(s, "duration"));
            rotation = ReadRotation(s);
        }
        catch (JsonException ex)
        {
            throw new MediaException(full, $"ffprobe printed unreadable JSON ({ex.Message}){FfmpegProcess.FormatTail(tail)}", ex);
        }
        if (width <= 0 || height <= 0)
            throw new MediaException(full, $"no decodable picture (ffprobe reports {width}x{height}, codec '{codec}'){FfmpegProcess.FormatTail(tail)}");
        if (Math.Abs(rotation) % 180 == 90) (width, height) = (height, width);

        bool isVideo = !IsStillImageFormat(format);
        long frames;
        FrameCountSource from;
        if (!isVideo) { frames = 1; from = FrameCountSource.Still; }
        else if (exactFrameCount) { frames = CountEntries(full, limit, ct, "-count_frames", "nb_read_frames"); from = FrameCountSource.Decoded; }
        else if (nbFrames > 0) { frames = nbFrames; from = FrameCountSource.Header; }
        else { frames = CountEntries(full, limit, ct, "-count_packets", "nb_read_packets"); from = FrameCountSource.Packets; }
        if (isVideo && frames <= 0)
            throw new MediaException(full, $"video stream has no frames{FfmpegProcess.FormatTail(tail)}");

        var rate = avg.IsValid ? avg : rfr.IsValid ? rfr : default;
        double duration = double.IsFinite(streamDuration) && streamDuration > 0 ? streamDuration
            : double.IsFinite(formatDuration) && formatDuration > 0 ? formatDuration
            : rate.IsValid ? frames / rate.Value : 0;
        return new MediaInfo(full, format, codec, width, height, frames, rate, duration, isVideo, rotation, from);
    }

    /// <summary>True for ffmpeg's single-picture demuxers: <c>image2</c> and the <c>*_pipe</c> family (png_pipe, webp_pipe, bmp_pipe…).</summary>
    public static bool IsStillImageFormat(string formatName) =>
        formatName == "image2" || formatName.EndsWith("_pipe", StringComparison.Ordinal);

    static long CountEntries(string full, TimeSpan limit, CancellationToken ct, string flag, string field)
    {
        var (json, tail) = RunJson(full, limit, ct,
            ["-v", "error", "-hide_banner", flag, "-select_streams", "v:0", "-show_entries", "stream=" + field, "-print_format", "json"]);
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.TryGetProperty("streams", out var st) && st.ValueKind == JsonValueKind.Array && st.GetArrayLength() > 0)
            {
                var v = Dbl(Str(st[0], field));
                if (double.IsFinite(v) && v >= 0) return (long)v;
            }
        }
        catch (JsonException) { }
        throw new MediaException(full, $"ffprobe {flag} gave no {field}{FfmpegProcess.FormatTail(tail)}");
    }

    static (string Json, string Tail) RunJson(string full, TimeSpan limit, CancellationToken ct, string[] args)
    {
        var all = new List<string>(args) { FfmpegProcess.InputArg(full) };
        string text = "";
        var r = FfmpegProcess.Run(FfmpegProcess.FfprobePath, all, full, limit, ct, s =>
        {
            using var reader = new StreamReader(s, Encoding.UTF8, false, 1 << 14, leaveOpen: true);
            text = reader.ReadToEnd();
            return true;
        });
        if (r.ExitCode != 0)
            throw new MediaException(full, $"ffprobe cannot read the file (exit code {r.ExitCode}){FfmpegProcess.FormatTail(r.StderrTail)}");
        return (text, r.StderrTail);
    }

    static int ReadRotation(JsonElement s)
    {
        if (s.TryGetProperty("side_data_list", out var sd) && sd.ValueKind == JsonValueKind.Array)
            foreach (var e in sd.EnumerateArray())
                if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("rotation", out var r))
                {
                    if (r.ValueKind == JsonValueKind.Number && r.TryGetDouble(out var d)) return (int)Math.Round(d);
                    if (r.ValueKind == JsonValueKind.String && double.TryParse(r.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out d)) return (int)Math.Round(d);
                }
        if (s.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Object
            && Str(tags, "rotate") is { } rot && int.TryParse(rot, NumberStyles.Integer, CultureInfo.InvariantCulture, out var deg))
            return deg;
        return 0;
    }

    static string? Str(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v)) return null;
        return v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        };
    }

    static int Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : 0;

    static double Dbl(string? s) =>
        s != null && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : double.NaN;
}
