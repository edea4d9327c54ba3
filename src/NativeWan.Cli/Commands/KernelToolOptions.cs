using CommandLine;

namespace NativeWan.Cli.Commands;

/// <summary>Options shared by the verbs that compile and run CUDA kernels (<c>doctor</c>, <c>verify-kernels</c>).</summary>
public abstract class KernelToolOptions
{
    [Option('d', "device", Default = 0, HelpText = "CUDA device ordinal.")]
    public int Device { get; set; }

    [Option("kernels", HelpText = "Kernels folder (default: NATIVEWAN_KERNELS_DIR, else kernels/ next to the executable or in a parent folder).")]
    public string? KernelsDirectory { get; set; }

    [Option("cache", HelpText = "Kernel cache folder (default: NATIVEWAN_KERNEL_CACHE, else ~/.cache/nativewan/kernels).")]
    public string? CacheDirectory { get; set; }

    [Option("rebuild", HelpText = "Compile every kernel with NVRTC even when a fatbin or cache entry exists (cache entries are replaced).")]
    public bool Rebuild { get; set; }
}
