using System.Reflection;
using System.Runtime.InteropServices;

namespace NativeWan.Cuda;

/// <summary>
/// The one <see cref="NativeLibrary.SetDllImportResolver"/> of this assembly (a second registration throws, so every
/// binding class calls <see cref="EnsureRegistered"/> from its static constructor). It maps the logical library names
/// used by the <c>[LibraryImport]</c> bindings onto candidate file names, versioned names first, so runtime-only
/// installs that ship only <c>libnvrtc.so.12</c> or <c>libcuda.so.1</c> (no unversioned developer symlink) are found.
/// </summary>
/// <remarks>
/// Logical names and candidates (tried in this order after the override environment variable):
/// <list type="bullet">
/// <item><c>cuda</c> (driver API): <c>NATIVEWAN_CUDA_LIB</c>, libcuda.so.1, libcuda.so, nvcuda.dll</item>
/// <item><c>nvrtc</c>: <c>NATIVEWAN_NVRTC_LIB</c>, libnvrtc.so.13, libnvrtc.so.12, libnvrtc.so, nvrtc64_130_0.dll, nvrtc64_120_0.dll</item>
/// <item><c>cublasLt</c>: <c>NATIVEWAN_CUBLASLT_LIB</c>, libcublasLt.so.13, libcublasLt.so.12, libcublasLt.so, cublasLt64_13.dll, cublasLt64_12.dll</item>
/// <item><c>nvtx</c>: <c>NATIVEWAN_NVTX_LIB</c>, libnvToolsExt.so.1, libnvToolsExt.so, nvToolsExt64_1.dll</item>
/// </list>
/// A library that loads stays loaded for the life of the process (handles are cached, never freed).
/// </remarks>
public static class NativeLibraries
{
    /// <summary>Logical name of the CUDA driver API library.</summary>
    public const string Cuda = "cuda";
    /// <summary>Logical name of the NVRTC runtime compiler library.</summary>
    public const string Nvrtc = "nvrtc";
    /// <summary>Logical name of the cuBLASLt library.</summary>
    public const string CublasLt = "cublasLt";
    /// <summary>Logical name of the NVTX (profiler range) library.</summary>
    public const string Nvtx = "nvtx";

    static readonly object Gate = new();
    static bool _registered;
    static readonly Dictionary<string, LoadResult> Results = new(StringComparer.Ordinal);

    sealed record LoadResult(nint Handle, string? File, string[] Tried);

    /// <summary>Registers the resolver for this assembly once; later calls do nothing. Thread-safe.</summary>
    public static void EnsureRegistered()
    {
        if (Volatile.Read(ref _registered)) return;
        lock (Gate)
        {
            if (_registered) return;
            NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
            Volatile.Write(ref _registered, true);
        }
    }

    /// <summary>The logical names this resolver knows.</summary>
    public static IReadOnlyList<string> LogicalNames { get; } = new[] { Cuda, Nvrtc, CublasLt, Nvtx };

    /// <summary>The environment variable that overrides the file for <paramref name="logicalName"/> (a full path or file name).</summary>
    /// <exception cref="ArgumentException">Unknown logical name.</exception>
    public static string OverrideVariable(string logicalName) => logicalName switch
    {
        Cuda => "NATIVEWAN_CUDA_LIB",
        Nvrtc => "NATIVEWAN_NVRTC_LIB",
        CublasLt => "NATIVEWAN_CUBLASLT_LIB",
        Nvtx => "NATIVEWAN_NVTX_LIB",
        _ => throw new ArgumentException($"unknown native library '{logicalName}' (known: {string.Join(", ", LogicalNames)})", nameof(logicalName)),
    };

    /// <summary>
    /// Candidate file names for a logical name on the current OS, in the order they are tried (versioned names first;
    /// the override variable, when set, is not included here).
    /// </summary>
    /// <exception cref="ArgumentException">Unknown logical name.</exception>
    public static IReadOnlyList<string> Candidates(string logicalName)
    {
        bool win = OperatingSystem.IsWindows();
        return logicalName switch
        {
            Cuda => win ? new[] { "nvcuda.dll" } : new[] { "libcuda.so.1", "libcuda.so" },
            Nvrtc => win ? new[] { "nvrtc64_130_0.dll", "nvrtc64_120_0.dll" } : new[] { "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so" },
            CublasLt => win ? new[] { "cublasLt64_13.dll", "cublasLt64_12.dll" } : new[] { "libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so" },
            Nvtx => win ? new[] { "nvToolsExt64_1.dll" } : new[] { "libnvToolsExt.so.1", "libnvToolsExt.so" },
            _ => throw new ArgumentException($"unknown native library '{logicalName}' (known: {string.Join(", ", LogicalNames)})", nameof(logicalName)),
        };
    }

    /// <summary>
    /// Loads (once) the library for <paramref name="logicalName"/>. Returns false when no candidate loads; the result
    /// (success or failure) is cached, so a missing library is probed only once per process.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown logical name.</exception>
    public static bool TryLoad(string logicalName, out nint handle)
    {
        var r = Load(logicalName);
        handle = r.Handle;
        return r.Handle != 0;
    }

    /// <summary>True when the library for <paramref name="logicalName"/> loads.</summary>
    public static bool IsAvailable(string logicalName) => TryLoad(logicalName, out _);

    /// <summary>
    /// The file that was loaded for <paramref name="logicalName"/>: the candidate name, followed on Linux by the real
    /// path in parentheses when it differs (found through <c>/proc/self/maps</c>); null when nothing loaded.
    /// </summary>
    public static string? LoadedFile(string logicalName)
    {
        var r = Load(logicalName);
        if (r.Handle == 0 || r.File is null) return null;
        var real = RealPath(r.Handle);
        return real is null || real == r.File ? r.File : $"{r.File} ({real})";
    }

    /// <summary>Every name that was tried for <paramref name="logicalName"/> (for "not found" messages).</summary>
    public static IReadOnlyList<string> TriedNames(string logicalName) => Load(logicalName).Tried;

    /// <summary>
    /// A one-line explanation for a library that did not load, e.g.
    /// <c>no CUDA driver (libcuda.so.1) was found: tried libcuda.so.1, libcuda.so</c>; null when it loaded.
    /// </summary>
    public static string? MissingReason(string logicalName)
    {
        var r = Load(logicalName);
        if (r.Handle != 0) return null;
        string what = logicalName switch
        {
            Cuda => $"no CUDA driver ({Candidates(Cuda)[0]}) was found",
            Nvrtc => "no NVRTC runtime compiler (libnvrtc) was found",
            CublasLt => "no cuBLASLt library (libcublasLt) was found",
            _ => $"no {logicalName} library was found",
        };
        return $"{what}: tried {string.Join(", ", r.Tried)} (set {OverrideVariable(logicalName)} to a full path to override)";
    }

    /// <summary>
    /// Address of an exported symbol of a loaded library, or 0 when the library or the symbol is missing
    /// (used for optional entry points such as NVTX and <c>cublasLtGetStatusName</c>).
    /// </summary>
    public static nint TryGetExport(string logicalName, string symbol)
        => TryLoad(logicalName, out var h) && NativeLibrary.TryGetExport(h, symbol, out var p) ? p : 0;

    static LoadResult Load(string logicalName)
    {
        var candidates = Candidates(logicalName); // validates the name
        lock (Gate)
        {
            if (Results.TryGetValue(logicalName, out var cached)) return cached;
            var tried = new List<string>();
            var env = Environment.GetEnvironmentVariable(OverrideVariable(logicalName));
            var names = string.IsNullOrWhiteSpace(env) ? candidates : candidates.Prepend(env.Trim()).ToArray();
            LoadResult result = new(0, null, Array.Empty<string>());
            foreach (var name in names)
            {
                tried.Add(name);
                if (NativeLibrary.TryLoad(name, out var h)) { result = new(h, name, tried.ToArray()); break; }
            }
            if (result.Handle == 0) result = new(0, null, tried.ToArray());
            Results[logicalName] = result;
            return result;
        }
    }

    static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        foreach (var n in LogicalNames)
            if (string.Equals(n, libraryName, StringComparison.Ordinal))
                return TryLoad(n, out var h) ? h : 0;
        return 0; // not ours: default probing
    }

    /// <summary>Linux only: the mapped file that contains the library's first exported symbol we know of.</summary>
    static string? RealPath(nint handle)
    {
        if (!OperatingSystem.IsLinux()) return null;
        nint addr = 0;
        foreach (var sym in new[] { "cuInit", "nvrtcVersion", "cublasLtCreate", "nvtxRangePop" })
            if (NativeLibrary.TryGetExport(handle, sym, out addr)) break;
        if (addr == 0) return null;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                // "start-end perms offset dev inode path"
                int dash = line.IndexOf('-'), sp = line.IndexOf(' ');
                if (dash <= 0 || sp <= dash) continue;
                if (!ulong.TryParse(line.AsSpan(0, dash), System.Globalization.NumberStyles.HexNumber, null, out var lo)) continue;
                if (!ulong.TryParse(line.AsSpan(dash + 1, sp - dash - 1), System.Globalization.NumberStyles.HexNumber, null, out var hi)) continue;
                ulong a = (ulong)addr;
                if (a < lo || a >= hi) continue;
                int slash = line.IndexOf('/');
                return slash >= 0 ? line[slash..].Trim() : null;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }
}
