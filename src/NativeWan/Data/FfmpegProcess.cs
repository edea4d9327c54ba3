using System.ComponentModel;
using System.Diagnostics;

namespace NativeWan.Data;

/// <summary>
/// Runs ffmpeg/ffprobe as a child process: arguments passed as a list (no shell quoting), stdout handed to a consumer
/// as a stream, stderr read asynchronously into a bounded tail (so neither pipe can fill up and deadlock), a wall-clock
/// timeout, and the process tree killed on timeout, cancellation or when the consumer stops early.
/// Executables: <c>NATIVEWAN_FFMPEG</c> / <c>NATIVEWAN_FFPROBE</c>, else <c>ffmpeg</c> / <c>ffprobe</c> on PATH.
/// </summary>
internal static class FfmpegProcess
{
    internal static string FfmpegPath => Environment.GetEnvironmentVariable("NATIVEWAN_FFMPEG") is { Length: > 0 } p ? p : "ffmpeg";
    internal static string FfprobePath => Environment.GetEnvironmentVariable("NATIVEWAN_FFPROBE") is { Length: > 0 } p ? p : "ffprobe";

    /// <summary>The input argument for a file: <c>file:</c> + absolute path, so names with ':' or a leading '-' are never read as protocols or options.</summary>
    internal static string InputArg(string fullPath) => "file:" + fullPath;

    internal readonly record struct Result(int ExitCode, string StderrTail, bool StoppedEarly);

    /// <summary>
    /// Starts <paramref name="exe"/>, passes its stdout to <paramref name="consume"/> (return false to stop early: the
    /// process is then killed), waits for exit. Throws <see cref="MediaException"/> (naming <paramref name="mediaPath"/>)
    /// when the tool cannot be started, times out, or its output is cut short; <see cref="OperationCanceledException"/>
    /// when <paramref name="ct"/> fires. Whatever the consumer throws is rethrown after the process is gone.
    /// </summary>
    internal static Result Run(string exe, IReadOnlyList<string> args, string mediaPath, TimeSpan timeout,
        CancellationToken ct, Func<Stream, bool> consume)
    {
        ct.ThrowIfCancellationRequested();
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);

        using var proc = new Process { StartInfo = psi };
        var tail = new StderrTail(20);
        proc.ErrorDataReceived += (_, e) => { if (e.Data != null) tail.Add(e.Data); };
        try
        {
            if (!proc.Start()) throw new MediaException(mediaPath, $"could not start '{exe}'");
        }
        catch (Win32Exception ex)
        {
            throw new MediaException(mediaPath,
                $"cannot start '{exe}' ({ex.Message}); install ffmpeg/ffprobe or set NATIVEWAN_FFMPEG / NATIVEWAN_FFPROBE", ex);
        }
        proc.BeginErrorReadLine();

        using var timeoutCts = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeoutCts.Token);
        using var reg = linked.Token.Register(() => Kill(proc));

        bool stoppedEarly = false;
        Exception? consumerError = null;
        try
        {
            var stdout = proc.StandardOutput.BaseStream;
            stoppedEarly = !consume(stdout);
            if (!stoppedEarly) stdout.CopyTo(Stream.Null); // drain, so the child never blocks on a full pipe
        }
        catch (Exception ex)
        {
            consumerError = ex;
        }
        if (stoppedEarly || consumerError != null) Kill(proc);
        proc.WaitForExit(); // also waits for the asynchronous stderr reader to reach EOF

        ct.ThrowIfCancellationRequested();
        if (timeoutCts.IsCancellationRequested)
            throw new MediaException(mediaPath, $"{Path.GetFileName(exe)} timed out after {timeout.TotalSeconds:0.#} s{tail.Format()}");
        if (consumerError is MediaException or OperationCanceledException)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(consumerError).Throw();
        if (consumerError is EndOfStreamException or IOException)
            throw new MediaException(mediaPath,
                $"{Path.GetFileName(exe)} output ended early ({consumerError.Message}), exit code {SafeExitCode(proc)}{tail.Format()}", consumerError);
        if (consumerError != null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(consumerError).Throw();
        return new Result(stoppedEarly ? 0 : proc.ExitCode, tail.Text, stoppedEarly);
    }

    static int SafeExitCode(Process p)
    {
        try { return p.ExitCode; } catch (InvalidOperationException) { return -1; }
    }

    static void Kill(Process p)
    {
        try { if (!p.HasExited) p.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        catch (Win32Exception) { }
    }

    /// <summary>The last lines a tool wrote to stderr, thread-safe.</summary>
    internal sealed class StderrTail(int maxLines)
    {
        readonly Queue<string> _lines = new();

        public void Add(string line)
        {
            if (line.Length == 0) return;
            if (line.Length > 500) line = line[..500] + "…";
            lock (_lines)
            {
                _lines.Enqueue(line);
                while (_lines.Count > maxLines) _lines.Dequeue();
            }
        }

        public string Text
        {
            get { lock (_lines) return string.Join('\n', _lines); }
        }

        /// <summary>"; stderr: …" or empty.</summary>
        public string Format() => Text is { Length: > 0 } t ? $"; stderr: {t.Replace('\n', ' ').Trim()}" : "";
    }

    /// <summary>"; stderr: …" for a captured tail, or empty.</summary>
    internal static string FormatTail(string tail) => tail.Length > 0 ? $"; stderr: {tail.Replace('\n', ' ').Trim()}" : "";
}
