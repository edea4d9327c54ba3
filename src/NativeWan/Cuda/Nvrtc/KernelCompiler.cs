using System.Diagnostics;

namespace NativeWan.Cuda.Nvrtc;

/// <summary>What NVRTC emits: a cubin for real architecture <see cref="Arch"/> (sm_XX), or PTX for the virtual
/// architecture compute_XX that the driver JIT-compiles for a newer GPU.</summary>
/// <param name="Arch">10·major + minor, e.g. 89.</param>
/// <param name="Kind"><see cref="KernelImageKind.Cubin"/> or <see cref="KernelImageKind.Ptx"/>.</param>
public readonly record struct KernelTarget(int Arch, KernelImageKind Kind)
{
    /// <summary>"sm_89" for cubins, "compute_90" for PTX.</summary>
    public string Name => Kind == KernelImageKind.Ptx ? $"compute_{Arch}" : $"sm_{Arch}";
}

/// <summary>A compiled kernel image and where it came from.</summary>
/// <param name="File">Kernel file relative to the kernels folder ("elementwise.cu").</param>
/// <param name="Image">Cubin, or NUL-terminated PTX.</param>
/// <param name="Target">Architecture and kind.</param>
/// <param name="Key">Cache key.</param>
/// <param name="CacheHit">True when the image came from the disk cache.</param>
/// <param name="Elapsed">Wall time of lookup plus compilation.</param>
/// <param name="Log">NVRTC log (warnings); empty on a cache hit.</param>
public sealed record CompiledKernel(string File, byte[] Image, KernelTarget Target, KernelCacheKey Key, bool CacheHit, TimeSpan Elapsed, string Log);

/// <summary>
/// Compiles <c>kernels/*.cu</c> with NVRTC for the current GPU and caches the images on disk
/// (<see cref="KernelCache"/>). Options: <c>--gpu-architecture=sm_XX</c> (or <c>compute_XX</c>), <c>-std=c++17</c>,
/// <c>-lineinfo</c> (unless disabled), <c>--include-path=&lt;kernels folder&gt;</c>, then any extra options (also read
/// from <c>NATIVEWAN_NVRTC_OPTIONS</c>, space-separated, e.g. <c>--include-path=/usr/local/cuda/include</c> for an
/// NVRTC without built-in cuda_bf16.h).
/// </summary>
/// <remarks>
/// The cache key (<see cref="KernelCacheKey"/>) hashes the option list with the kernels folder written as the
/// placeholder <see cref="KernelsDirPlaceholder"/>, so moving the checkout does not invalidate the cache; the real
/// path is substituted only when NVRTC is called. The NVRTC program is named <c>kernels/&lt;file&gt;</c> so that log
/// lines read <c>kernels/elementwise.cu(12): error: ...</c>.
/// </remarks>
public sealed class KernelCompiler
{
    /// <summary>Stands for the kernels folder in the hashed options.</summary>
    public const string KernelsDirPlaceholder = "<kernels>";
    /// <summary>Environment variable with extra NVRTC options (space-separated).</summary>
    public const string ExtraOptionsVariable = "NATIVEWAN_NVRTC_OPTIONS";

    readonly NvrtcCompile _compile;
    readonly Lazy<string> _nvrtcVersion;
    readonly IReadOnlyList<string> _extraOptions;

    /// <summary>The kernels folder (absolute).</summary>
    public string KernelsDirectory { get; }
    /// <summary>The disk cache, or null for none.</summary>
    public KernelCache? Cache { get; }
    /// <summary>Whether <c>-lineinfo</c> is passed (default true; line info costs nothing at run time and makes profiler output readable).</summary>
    public bool LineInfo { get; }

    /// <summary>Creates a compiler.</summary>
    /// <param name="kernelsDirectory">Folder holding the .cu/.cuh files.</param>
    /// <param name="cache">Disk cache (null: always compile).</param>
    /// <param name="compile">Compiler function; default the real NVRTC (<see cref="NvrtcLibrary.Compile"/>).</param>
    /// <param name="nvrtcVersion">Version string in the key; default queried from NVRTC on first use.</param>
    /// <param name="extraOptions">Extra options; default from <see cref="ExtraOptionsVariable"/>.</param>
    /// <param name="lineInfo">Pass <c>-lineinfo</c>.</param>
    /// <exception cref="DirectoryNotFoundException">The kernels folder does not exist.</exception>
    public KernelCompiler(string kernelsDirectory, KernelCache? cache = null, NvrtcCompile? compile = null,
        string? nvrtcVersion = null, IReadOnlyList<string>? extraOptions = null, bool lineInfo = true)
    {
        KernelsDirectory = Path.GetFullPath(kernelsDirectory);
        if (!Directory.Exists(KernelsDirectory)) throw new DirectoryNotFoundException($"kernels folder {KernelsDirectory} does not exist");
        Cache = cache;
        _compile = compile ?? NvrtcLibrary.Compile;
        _nvrtcVersion = new Lazy<string>(() => nvrtcVersion ?? NvrtcLibrary.VersionString);
        _extraOptions = extraOptions ?? (Environment.GetEnvironmentVariable(ExtraOptionsVariable) ?? "")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        LineInfo = lineInfo;
    }

    /// <summary>The NVRTC version string used in cache keys.</summary>
    public string NvrtcVersion => _nvrtcVersion.Value;

    /// <summary>The .cu files of the kernels folder (top level), sorted by name.</summary>
    public IReadOnlyList<string> KernelFiles()
        => Directory.GetFiles(KernelsDirectory, "*.cu").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    /// <summary>
    /// Picks what to emit for a GPU of compute capability <paramref name="computeCapability"/> (10·major + minor):
    /// a cubin when NVRTC supports that exact architecture, else PTX for the newest supported architecture below it
    /// (the driver JIT-compiles PTX forward, e.g. for a GPU newer than the NVRTC).
    /// </summary>
    /// <exception cref="NotSupportedException">The GPU is older than every architecture NVRTC supports.</exception>
    public static KernelTarget SelectTarget(int computeCapability, IReadOnlyList<int> supportedArchs)
    {
        if (supportedArchs.Contains(computeCapability)) return new KernelTarget(computeCapability, KernelImageKind.Cubin);
        var lower = supportedArchs.Where(a => a < computeCapability).DefaultIfEmpty(-1).Max();
        if (lower < 0)
            throw new NotSupportedException($"GPU sm_{computeCapability} is older than every architecture this NVRTC supports ({string.Join(", ", supportedArchs.Select(a => $"sm_{a}"))})");
        return new KernelTarget(lower, KernelImageKind.Ptx);
    }

    /// <summary>The options for <paramref name="target"/> with the kernels folder as <see cref="KernelsDirPlaceholder"/> (what the key hashes).</summary>
    public IReadOnlyList<string> OptionTemplate(KernelTarget target)
    {
        var o = new List<string> { $"--gpu-architecture={target.Name}", "-std=c++17" };
        if (LineInfo) o.Add("-lineinfo");
        o.Add($"--include-path={KernelsDirPlaceholder}");
        o.AddRange(_extraOptions);
        return o;
    }

    /// <summary>The options actually passed to NVRTC (placeholder replaced by the kernels folder).</summary>
    public IReadOnlyList<string> Options(KernelTarget target)
        => OptionTemplate(target).Select(o => o.Replace(KernelsDirPlaceholder, KernelsDirectory, StringComparison.Ordinal)).ToArray();

    /// <summary>Resolves the sources of <paramref name="kernelFile"/> (a name in the kernels folder or a path).</summary>
    /// <exception cref="FileNotFoundException">No such kernel file.</exception>
    public KernelSourceSet Sources(string kernelFile)
    {
        var path = Path.IsPathRooted(kernelFile) ? kernelFile : Path.Combine(KernelsDirectory, kernelFile);
        return IncludeResolver.Resolve(path, KernelsDirectory, new[] { KernelsDirectory });
    }

    /// <summary>The cache key of <paramref name="kernelFile"/> for <paramref name="target"/> (reads the sources).</summary>
    public KernelCacheKey Key(string kernelFile, KernelTarget target)
        => KernelCacheKey.Compute(Sources(kernelFile), OptionTemplate(target), target.Name, target.Kind, NvrtcVersion);

    /// <summary>
    /// Returns the image of <paramref name="kernelFile"/> for <paramref name="target"/>: from the cache when the key
    /// matches, else compiled (and stored).
    /// </summary>
    /// <param name="kernelFile">File name in the kernels folder ("elementwise.cu") or a path.</param>
    /// <param name="target">Architecture and image kind (see <see cref="SelectTarget"/>).</param>
    /// <param name="bypassCache">Compile even when cached (the result replaces the cache entry).</param>
    /// <exception cref="FileNotFoundException">No such kernel file.</exception>
    /// <exception cref="NvrtcCompileException">Compilation failed; the message lists errors with file and line.</exception>
    /// <exception cref="DllNotFoundException">NVRTC is not installed (real compiler only).</exception>
    public CompiledKernel Compile(string kernelFile, KernelTarget target, bool bypassCache = false)
    {
        var sw = Stopwatch.StartNew();
        var sources = Sources(kernelFile);
        var template = OptionTemplate(target);
        var key = KernelCacheKey.Compute(sources, template, target.Name, target.Kind, NvrtcVersion);
        if (!bypassCache && Cache is not null && Cache.TryLoad(key, out var cached))
            return new CompiledKernel(sources.Main.RelativeName, cached, target, key, true, sw.Elapsed, "");

        var options = Options(target);
        var request = new NvrtcRequest($"kernels/{sources.Main.RelativeName}", sources.Main.Text, options, target.Kind);
        var output = _compile(request);
        if (!output.Success || output.Image.Length == 0)
            throw new NvrtcCompileException($"kernels/{sources.Main.RelativeName}", target.Name, NvrtcVersion, options,
                output.Success ? "NVRTC reported success but produced an empty image" : output.Log);
        Cache?.TryStore(key, output.Image);
        return new CompiledKernel(sources.Main.RelativeName, output.Image, target, key, false, sw.Elapsed, output.Log);
    }
}
