using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using NativeWan.Data;

namespace NativeWan.Generation;

/// <summary>Container chosen by <see cref="VideoWriter.FormatOf"/>.</summary>
public enum VideoFormat
{
    /// <summary><c>.mp4</c>: H.264 (libx264), yuv420p.</summary>
    Mp4,
    /// <summary><c>.webp</c>: animated WebP (libwebp_anim), looping.</summary>
    WebP,
    /// <summary>PNG frames: a <c>name_%05d.png</c> pattern, a plain <c>name.png</c> (→ <c>name_00000.png</c>, …) or a folder (→ <c>frame_00000.png</c>, …).</summary>
    PngSequence,
}

/// <summary>Encoder settings of <see cref="VideoWriter"/>.</summary>
public sealed record VideoWriteOptions
{
    /// <summary>Frames per second (Wan: 16).</summary>
    public int Fps { get; init; } = 16;
    /// <summary>x264 constant rate factor 0 … 51 (lower = better; 18 is visually lossless).</summary>
    public int Crf { get; init; } = 18;
    /// <summary>x264 preset.</summary>
    public string Preset { get; init; } = "medium";
    /// <summary>WebP quality 0 … 100 (lossy); null = lossless.</summary>
    public float? WebPQuality { get; init; }
    /// <summary>Wall-clock limit of one ffmpeg run.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// Writes <see cref="VideoFrames"/> through an ffmpeg subprocess fed raw rgb24 frames on stdin. Output is written under
/// a temporary name in the target folder and renamed into place when ffmpeg succeeded (PNG frames: a temporary folder,
/// then each file is moved). Byte-identical output for identical frames and options: one encoder thread,
/// <c>-fflags +bitexact -flags:v +bitexact -map_metadata -1</c> (no encoder version string, no timestamps or metadata).
/// MP4 (yuv420p) needs even sizes: an odd width or height is padded by one black column/row at the right/bottom.
/// ffmpeg is <c>NATIVEWAN_FFMPEG</c> or <c>ffmpeg</c> on PATH.
/// </summary>
public static class VideoWriter
{
    /// <summary>The format of <paramref name="path"/>: <c>.mp4</c>, <c>.webp</c>, <c>.png</c> (pattern or stem), or a folder
    /// (an existing directory, a trailing separator, or no extension).</summary>
    /// <exception cref="ArgumentException">Any other extension.</exception>
    public static VideoFormat FormatOf(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path.EndsWith('/') || path.EndsWith(Path.DirectorySeparatorChar) || Directory.Exists(path)) return VideoFormat.PngSequence;
        var ext = Path.GetExtension(path).ToLowerInvariant();
        return ext switch
        {
            ".mp4" => VideoFormat.Mp4,
            ".webp" => VideoFormat.WebP,
            ".png" or "" => VideoFormat.PngSequence,
            _ => throw new ArgumentException($"{path}: unknown output type '{ext}' (use .mp4, .webp, .png or a folder)"),
        };
    }

    /// <summary>Writes <paramref name="frames"/> to <paramref name="path"/> in the format its name selects.</summary>
    /// <returns>The files written (one for MP4/WebP, one per frame for PNG).</returns>
    /// <exception cref="ArgumentException">Unknown extension or bad options.</exception>
    /// <exception cref="MediaException">ffmpeg missing, failed (its stderr is quoted) or timed out.</exception>
    public static IReadOnlyList<string> Write(VideoFrames frames, string path, VideoWriteOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(frames);
        options ??= new VideoWriteOptions();
        if (options.Fps <= 0) throw new ArgumentException($"fps {options.Fps} must be positive");
        if (options.Crf < 0 || options.Crf > 51) throw new ArgumentException($"crf {options.Crf} must be in 0…51");
        if (options.WebPQuality is float q && !(q >= 0 && q <= 100)) throw new ArgumentException($"WebP quality {q} must be in 0…100");
        var format = FormatOf(path);
        return format == VideoFormat.PngSequence ? WritePng(frames, path, options, ct) : [WriteSingle(frames, path, format, options, ct)];
    }

    static string WriteSingle(VideoFrames frames, string path, VideoFormat format, VideoWriteOptions o, CancellationToken ct)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, "." + Path.GetFileName(full) + ".tmp-" + Guid.NewGuid().ToString("N")[..8]);
        var args = InputArgs(frames, o);
        if (format == VideoFormat.Mp4)
        {
            if (frames.Width % 2 != 0 || frames.Height % 2 != 0) args.AddRange(["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2"]);
            args.AddRange(["-c:v", "libx264", "-preset", o.Preset, "-crf", o.Crf.ToString(CultureInfo.InvariantCulture), "-pix_fmt", "yuv420p",
                "-threads", "1", "-movflags", "+faststart"]);
            args.AddRange(BitExact);
            args.AddRange(["-f", "mp4"]);
        }
        else
        {
            args.AddRange(["-c:v", "libwebp_anim", "-pix_fmt", "bgra", "-loop", "0"]);
            if (o.WebPQuality is float q) args.AddRange(["-lossless", "0", "-quality", q.ToString(CultureInfo.InvariantCulture)]);
            else args.AddRange(["-lossless", "1"]);
            args.AddRange(BitExact);
            args.AddRange(["-f", "webp"]);
        }
        args.AddRange(["-y", "file:" + tmp]);
        try
        {
            Run(args, frames, full, o.Timeout, ct);
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch { /* best effort */ }
            throw;
        }
        return full;
    }

    static IReadOnlyList<string> WritePng(VideoFrames frames, string path, VideoWriteOptions o, CancellationToken ct)
    {
        var (dir, pattern) = PngTarget(path);
        Directory.CreateDirectory(dir);
        var tmpDir = Path.Combine(dir, ".frames.tmp-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(tmpDir);
        try
        {
            var args = InputArgs(frames, o);
            args.AddRange(["-c:v", "png", "-pix_fmt", "rgb24", "-start_number", "0"]);
            args.AddRange(BitExact);
            args.AddRange(["-f", "image2", "-y", "file:" + Path.Combine(tmpDir, pattern)]);
            Run(args, frames, Path.Combine(dir, pattern), o.Timeout, ct);
            var written = Directory.GetFiles(tmpDir).Order(StringComparer.Ordinal).ToList();
            if (written.Count != frames.Count)
                throw new MediaException(Path.Combine(dir, pattern), $"ffmpeg wrote {written.Count} PNG files for {frames.Count} frames");
            var result = new List<string>(written.Count);
            foreach (var f in written)
            {
                var dst = Path.Combine(dir, Path.GetFileName(f));
                File.Move(f, dst, overwrite: true);
                result.Add(dst);
            }
            return result;
        }
        finally
        {
            try { Directory.Delete(tmpDir, recursive: true); } catch { /* best effort */ }
        }
    }

    /// <summary>Folder and file pattern of a PNG target: <c>dir/name_%05d.png</c> as given, <c>dir/name.png</c> →
    /// <c>name_%05d.png</c>, a folder → <c>folder/frame_%05d.png</c>.</summary>
    internal static (string Dir, string Pattern) PngTarget(string path)
    {
        var full = Path.GetFullPath(path);
        bool folder = path.EndsWith('/') || path.EndsWith(Path.DirectorySeparatorChar) || Directory.Exists(full) || Path.GetExtension(full).Length == 0;
        if (folder) return (full.TrimEnd('/', Path.DirectorySeparatorChar), "frame_%05d.png");
        var name = Path.GetFileName(full);
        var dir = Path.GetDirectoryName(full)!;
        if (name.Contains('%'))
        {
            // Exactly one integer conversion (%d, %0Nd); anything else would confuse ffmpeg's image2 muxer.
            var stripped = System.Text.RegularExpressions.Regex.Replace(name.Replace("%%", ""), @"%0?\d*d", "");
            if (stripped.Contains('%') || System.Text.RegularExpressions.Regex.Matches(name.Replace("%%", ""), @"%0?\d*d").Count != 1)
                throw new ArgumentException($"{path}: a PNG pattern needs exactly one %d / %05d");
            return (dir, name);
        }
        return (dir, Path.GetFileNameWithoutExtension(name) + "_%05d.png");
    }

    static readonly string[] BitExact = ["-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact"];

    static List<string> InputArgs(VideoFrames f, VideoWriteOptions o) =>
    [
        "-hide_banner", "-nostdin", "-loglevel", "error",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", $"{f.Width}x{f.Height}", "-framerate", o.Fps.ToString(CultureInfo.InvariantCulture),
        "-i", "pipe:0", "-frames:v", f.Count.ToString(CultureInfo.InvariantCulture),
    ];

    /// <summary>Runs ffmpeg, writes all frames to its stdin, waits; throws <see cref="MediaException"/> on any failure.</summary>
    static void Run(List<string> args, VideoFrames frames, string target, TimeSpan timeout, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var exe = FfmpegProcess.FfmpegPath;
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            UseShellExecute = false, CreateNoWindow = true,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var proc = new Process { StartInfo = psi };
        var tail = new FfmpegProcess.StderrTail(20);
        proc.ErrorDataReceived += (_, e) => { if (e.Data != null) tail.Add(e.Data); };
        proc.OutputDataReceived += (_, _) => { };
        try
        {
            if (!proc.Start()) throw new MediaException(target, $"could not start '{exe}'");
        }
        catch (Win32Exception ex)
        {
            throw new MediaException(target, $"cannot start '{exe}' ({ex.Message}); install ffmpeg or set NATIVEWAN_FFMPEG", ex);
        }
        proc.BeginErrorReadLine();
        proc.BeginOutputReadLine();
        using var timeoutCts = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeoutCts.Token);
        using var reg = linked.Token.Register(() => Kill(proc));
        Exception? writeError = null;
        try
        {
            var stdin = proc.StandardInput.BaseStream;
            for (int i = 0; i < frames.Count && !linked.IsCancellationRequested; i++) stdin.Write(frames.Frame(i));
            stdin.Close();
        }
        catch (IOException ex) { writeError = ex; }   // ffmpeg exited early (broken pipe); its stderr says why
        proc.WaitForExit();
        ct.ThrowIfCancellationRequested();
        if (timeoutCts.IsCancellationRequested)
            throw new MediaException(target, $"ffmpeg timed out after {timeout.TotalSeconds:0.#} s{tail.Format()}");
        if (proc.ExitCode != 0 || writeError != null)
            throw new MediaException(target, $"ffmpeg failed (exit code {proc.ExitCode}){tail.Format()}", writeError);
    }

    static void Kill(Process p)
    {
        try { if (!p.HasExited) p.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        catch (Win32Exception) { }
    }
}
