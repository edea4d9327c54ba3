namespace NativeWan.Cuda.Nvrtc;

/// <summary>
/// Finds the kernels folder and CMake-built fat binaries.
/// </summary>
/// <remarks>
/// Kernels folder: <c>NATIVEWAN_KERNELS_DIR</c> if set; else the first <c>kernels/</c> holding <c>common.cuh</c>
/// found next to the executable or in any parent of it or of the current directory (a checkout).
/// Fat binaries: <c>NATIVEWAN_FATBIN</c> names a folder holding <c>&lt;stem&gt;.fatbin</c> files (the CMake output
/// folder <c>build/kernels</c>), or "off" to disable; default <c>kernels/</c> next to the executable. A fatbin is used
/// only when it is at least as new as every source file it was built from (otherwise it is reported stale and NVRTC
/// is used).
/// </remarks>
public static class KernelLocations
{
    /// <summary>Environment variable naming the kernels folder.</summary>
    public const string KernelsVariable = "NATIVEWAN_KERNELS_DIR";
    /// <summary>Environment variable naming the fatbin folder (or "off").</summary>
    public const string FatbinVariable = "NATIVEWAN_FATBIN";

    /// <summary>The kernels folder, or null when none is found.</summary>
    public static string? FindKernelsDirectory(Func<string, string?>? getEnv = null)
    {
        getEnv ??= Environment.GetEnvironmentVariable;
        var env = getEnv(KernelsVariable);
        if (!string.IsNullOrWhiteSpace(env)) return Directory.Exists(env) ? Path.GetFullPath(env) : null;
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                var k = Path.Combine(d.FullName, "kernels");
                if (File.Exists(Path.Combine(k, "common.cuh"))) return k;
            }
        }
        return null;
    }

    /// <summary>The fatbin folder, or null when disabled.</summary>
    public static string? FatbinDirectory(Func<string, string?>? getEnv = null)
    {
        getEnv ??= Environment.GetEnvironmentVariable;
        var env = getEnv(FatbinVariable)?.Trim();
        if (string.Equals(env, "off", StringComparison.OrdinalIgnoreCase) || env == "0") return null;
        return string.IsNullOrEmpty(env) ? Path.Combine(AppContext.BaseDirectory, "kernels") : Path.GetFullPath(env);
    }

    /// <summary>
    /// The fatbin for <paramref name="sources"/> in <paramref name="fatbinDirectory"/>, or null with a reason
    /// ("not built", "stale: ...") when it must not be used.
    /// </summary>
    public static string? FindFatbin(string? fatbinDirectory, KernelSourceSet sources, out string reason)
    {
        if (fatbinDirectory is null) { reason = $"fatbins disabled ({FatbinVariable}=off)"; return null; }
        var path = Path.Combine(fatbinDirectory, sources.Stem + ".fatbin");
        if (!File.Exists(path)) { reason = $"no {path}"; return null; }
        var built = File.GetLastWriteTimeUtc(path);
        var newest = sources.AllFiles.OrderByDescending(f => File.GetLastWriteTimeUtc(f.FullPath)).First();
        if (File.GetLastWriteTimeUtc(newest.FullPath) > built)
        {
            reason = $"stale: {newest.RelativeName} is newer than {path}";
            return null;
        }
        reason = $"fatbin {path}";
        return path;
    }
}
