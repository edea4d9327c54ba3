using System.Diagnostics;
using NativeWan.Cuda.Driver;

namespace NativeWan.Cuda.Nvrtc;

/// <summary>How a module was obtained.</summary>
/// <param name="File">Kernel file ("elementwise.cu").</param>
/// <param name="Origin">"fatbin", "cache" or "nvrtc".</param>
/// <param name="Target">"fatbin", or the NVRTC target ("sm_89", "compute_90").</param>
/// <param name="Elapsed">Lookup + compile + load time.</param>
/// <param name="Notes">Why a fatbin or cache entry was not used, compiler warnings; empty if nothing to say.</param>
public sealed record KernelLoadInfo(string File, string Origin, string Target, TimeSpan Elapsed, string Notes);

/// <summary>
/// Loads kernel modules into a context: a fresh CMake fatbin when present, else the NVRTC image from
/// <see cref="KernelCompiler"/> (disk cache first). A cached image the driver rejects is deleted and recompiled once.
/// </summary>
public sealed class KernelLoader
{
    readonly CudaContext _context;
    readonly KernelCompiler _compiler;
    readonly string? _fatbinDirectory;
    readonly KernelTarget _target;

    /// <summary>The NVRTC target chosen for the context's GPU.</summary>
    public KernelTarget Target => _target;

    /// <summary>Creates a loader; the NVRTC target is chosen from the device and NVRTC's supported architectures.</summary>
    /// <param name="context">Context to load into (must be current on the calling thread).</param>
    /// <param name="compiler">Compiler (and cache).</param>
    /// <param name="fatbinDirectory">Fatbin folder (default <see cref="KernelLocations.FatbinDirectory"/>); null disables fatbins.</param>
    /// <param name="supportedArchs">NVRTC's architectures (default queried from NVRTC).</param>
    public KernelLoader(CudaContext context, KernelCompiler compiler, string? fatbinDirectory = "", IReadOnlyList<int>? supportedArchs = null)
    {
        _context = context; _compiler = compiler;
        _fatbinDirectory = fatbinDirectory == "" ? KernelLocations.FatbinDirectory() : fatbinDirectory;
        _target = KernelCompiler.SelectTarget(context.Device.ComputeCapability, supportedArchs ?? NvrtcLibrary.SupportedArchs());
    }

    /// <summary>Loads <paramref name="kernelFile"/> ("elementwise.cu").</summary>
    /// <param name="kernelFile">File in the kernels folder.</param>
    /// <param name="rebuild">Skip the fatbin and the cache and compile with NVRTC (the cache entry is replaced).</param>
    /// <exception cref="NvrtcCompileException">Compilation failed.</exception>
    /// <exception cref="CudaException">The driver rejected a freshly compiled image.</exception>
    public (CudaModule Module, KernelLoadInfo Info) Load(string kernelFile, bool rebuild = false)
    {
        var sw = Stopwatch.StartNew();
        var notes = new List<string>();
        var sources = _compiler.Sources(kernelFile);
        string reason = "rebuild requested";
        var fatbin = rebuild ? null : KernelLocations.FindFatbin(_fatbinDirectory, sources, out reason);
        if (fatbin is not null)
        {
            try { return (_context.LoadModule(File.ReadAllBytes(fatbin), fatbin), new KernelLoadInfo(kernelFile, "fatbin", "fatbin", sw.Elapsed, "")); }
            catch (CudaException e) { notes.Add($"fatbin rejected ({e.ErrorName}), using NVRTC"); }
        }
        else if (reason.StartsWith("stale", StringComparison.Ordinal)) notes.Add(reason);

        var compiled = _compiler.Compile(kernelFile, _target, bypassCache: rebuild);
        CudaModule module;
        try { module = _context.LoadModule(compiled.Image, $"kernels/{compiled.File} ({compiled.Target.Name})"); }
        catch (CudaException e) when (compiled.CacheHit)
        {
            notes.Add($"cached image rejected ({e.ErrorName}), recompiled");
            _compiler.Cache?.Remove(compiled.Key);
            compiled = _compiler.Compile(kernelFile, _target, bypassCache: true);
            module = _context.LoadModule(compiled.Image, $"kernels/{compiled.File} ({compiled.Target.Name})");
        }
        if (!string.IsNullOrWhiteSpace(compiled.Log)) notes.Add(compiled.Log.Trim());
        return (module, new KernelLoadInfo(kernelFile, compiled.CacheHit ? "cache" : "nvrtc", compiled.Target.Name, sw.Elapsed, string.Join("; ", notes)));
    }
}
