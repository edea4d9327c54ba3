using System.Diagnostics;

namespace NativeWan.Ops.Cuda;

/// <summary>Where a verification ran, for the verify-kernels report: GPU, driver versions and the source commit.</summary>
/// <param name="Gpu">GPU name ("NVIDIA H100 80GB HBM3"); null when there is none.</param>
/// <param name="Driver">NVIDIA kernel driver version ("550.54.15", from /proc/driver/nvidia/version); null when unknown.</param>
/// <param name="CudaDriver">Newest CUDA version the driver supports ("12.4", cuDriverGetVersion); null when unknown.</param>
/// <param name="Commit">Source commit: <c>NATIVEWAN_COMMIT</c>, else <c>git rev-parse HEAD</c> of the checkout the
/// program or the working directory lies in; null when neither is available.</param>
public sealed record VerifyEnvironment(string? Gpu, string? Driver, string? CudaDriver, string? Commit)
{
    /// <summary>The environment variable that names the commit (set by builds made outside a checkout).</summary>
    public const string CommitVariable = "NATIVEWAN_COMMIT";

    /// <summary>
    /// Collects the environment; never throws (each missing piece is null). <paramref name="gpu"/> is the name of the
    /// device used, or null before one was opened; the driver versions are read only when the CUDA driver library loads.
    /// </summary>
    public static VerifyEnvironment Collect(string? gpu)
    {
        string? cuda = null;
        try { if (NativeWan.Cuda.Driver.CudaDriver.IsLibraryAvailable) cuda = NativeWan.Cuda.Driver.CudaDriver.FormatVersion(NativeWan.Cuda.Driver.CudaDriver.Version); }
        catch (Exception e) when (e is not OutOfMemoryException) { cuda = null; }
        return new VerifyEnvironment(gpu, cuda is null ? null : NvidiaDriverVersion(), cuda, FindCommit());
    }

    /// <summary>The NVIDIA kernel module version from /proc/driver/nvidia/version (Linux), or null.</summary>
    public static string? NvidiaDriverVersion()
    {
        try
        {
            const string file = "/proc/driver/nvidia/version";
            if (!File.Exists(file)) return null;
            // "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024"
            foreach (var line in File.ReadLines(file))
            {
                int i = line.IndexOf("Kernel Module", StringComparison.Ordinal);
                if (i < 0) continue;
                var rest = line[(i + "Kernel Module".Length)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (rest.Length > 0 && char.IsDigit(rest[0][0])) return rest[0];
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return null;
    }

    /// <summary>
    /// <c>NATIVEWAN_COMMIT</c> when set, else the HEAD commit of the git checkout that holds the executable or the working
    /// directory (found by its <c>.git</c> entry), or null: no checkout, no git on the PATH, or git failing or taking
    /// more than 5 s.
    /// </summary>
    public static string? FindCommit()
    {
        var env = Environment.GetEnvironmentVariable(CommitVariable);
        if (!string.IsNullOrWhiteSpace(env)) return env.Trim();
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            var root = CheckoutRoot(start);
            if (root is null) continue;
            var commit = GitHead(root);
            if (commit is not null) return commit;
        }
        return null;
    }

    static string? CheckoutRoot(string start)
    {
        try
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                var git = Path.Combine(d.FullName, ".git");
                if (Directory.Exists(git) || File.Exists(git)) return d.FullName;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { }
        return null;
    }

    static string? GitHead(string root)
    {
        try
        {
            var psi = new ProcessStartInfo("git")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, CreateNoWindow = true,
            };
            foreach (var a in new[] { "-C", root, "rev-parse", "HEAD" }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi);
            if (p is null) return null;
            var stdout = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(5000))
            {
                try { p.Kill(); } catch (InvalidOperationException) { }
                return null;
            }
            if (p.ExitCode != 0) return null;
            var s = stdout.Result.Trim();
            return s.Length >= 7 && s.All(Uri.IsHexDigit) ? s : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException or PlatformNotSupportedException)
        {
            return null;   // no git on the PATH, or it could not be started
        }
    }
}
