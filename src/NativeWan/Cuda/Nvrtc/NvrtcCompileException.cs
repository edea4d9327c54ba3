using System.Text;
using System.Text.RegularExpressions;

namespace NativeWan.Cuda.Nvrtc;

/// <summary>One diagnostic from an NVRTC log line such as <c>kernels/x.cu(12): error: identifier "y" is undefined</c>.</summary>
/// <param name="File">File as NVRTC printed it.</param>
/// <param name="Line">1-based line number.</param>
/// <param name="Severity">"error", "warning", "remark" or "catastrophic error".</param>
/// <param name="Message">Text after the severity (EDG diagnostic numbers such as <c>#177-D</c> removed).</param>
public sealed record NvrtcDiagnostic(string File, int Line, string Severity, string Message)
{
    /// <summary><c>file:line: severity: message</c>.</summary>
    public override string ToString() => $"{File}:{Line}: {Severity}: {Message}";
}

/// <summary>Parses and formats NVRTC compiler logs.</summary>
public static partial class NvrtcLog
{
    [GeneratedRegex(@"^(?<file>.+?)\((?<line>\d+)\):\s*(?<sev>catastrophic error|error|warning|remark)(?:\s*#[\w-]+)?\s*:\s*(?<msg>.*)$", RegexOptions.Multiline)]
    private static partial Regex DiagnosticLine();

    /// <summary>All diagnostics in the log, in order (lines that are not diagnostics are skipped).</summary>
    public static IReadOnlyList<NvrtcDiagnostic> Parse(string log)
    {
        var list = new List<NvrtcDiagnostic>();
        foreach (Match m in DiagnosticLine().Matches(log.Replace("\r\n", "\n")))
            list.Add(new NvrtcDiagnostic(m.Groups["file"].Value.Trim(), int.Parse(m.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture),
                m.Groups["sev"].Value, m.Groups["msg"].Value.TrimEnd()));
        return list;
    }

    /// <summary>
    /// The exception message: a header naming the file, target and NVRTC version with the error count, the first
    /// <paramref name="maxListed"/> errors as <c>file:line: error: message</c>, the options, then the full log.
    /// </summary>
    public static string FormatFailure(string file, string arch, string nvrtcVersion, IReadOnlyList<string> options, string log, int maxListed = 10)
    {
        var diags = Parse(log);
        var errors = diags.Where(d => d.Severity.Contains("error", StringComparison.Ordinal)).ToList();
        var sb = new StringBuilder();
        sb.Append($"NVRTC {nvrtcVersion} could not compile {file} for {arch}: ");
        sb.Append(errors.Count switch { 0 => "compilation failed", 1 => "1 error", var n => $"{n} errors" });
        sb.Append('\n');
        foreach (var d in errors.Take(maxListed)) sb.Append("  ").Append(d).Append('\n');
        if (errors.Count > maxListed) sb.Append($"  ... and {errors.Count - maxListed} more\n");
        sb.Append("options: ").Append(string.Join(' ', options)).Append('\n');
        sb.Append("--- NVRTC log ---\n").Append(log.TrimEnd()).Append('\n');
        return sb.ToString();
    }
}

/// <summary>
/// A kernel failed to compile. The message lists every error as <c>file:line: error: message</c> followed by the
/// options and the full NVRTC log.
/// </summary>
public sealed class NvrtcCompileException : Exception
{
    /// <summary>The kernel file (relative name).</summary>
    public string File { get; }
    /// <summary>Target architecture, e.g. "sm_89".</summary>
    public string Arch { get; }
    /// <summary>The full NVRTC log.</summary>
    public string Log { get; }
    /// <summary>Parsed diagnostics of <see cref="Log"/>.</summary>
    public IReadOnlyList<NvrtcDiagnostic> Diagnostics { get; }

    /// <summary>Creates the exception from a failed compilation.</summary>
    public NvrtcCompileException(string file, string arch, string nvrtcVersion, IReadOnlyList<string> options, string log)
        : base(NvrtcLog.FormatFailure(file, arch, nvrtcVersion, options, log))
    {
        File = file; Arch = arch; Log = log; Diagnostics = NvrtcLog.Parse(log);
    }
}
