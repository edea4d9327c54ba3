using NativeWan.IO;

namespace NativeWan.Cuda.Nvrtc;

/// <summary>
/// On-disk cache of compiled kernel images, one file per <see cref="KernelCacheKey"/>
/// (<c>{stem}-{arch}-{sha256}.cubin|.ptx</c>). Default folder: <c>NATIVEWAN_KERNEL_CACHE</c> if set, else
/// <c>~/.cache/nativewan/kernels</c> (LocalApplicationData\nativewan\kernels on Windows). Writes are atomic
/// (temporary file + rename), so concurrent processes and crashes never leave a truncated image under a final
/// name. A cache that cannot be written (read-only home) is not an error: the image is simply not stored.
/// </summary>
public sealed class KernelCache
{
    /// <summary>Environment variable overriding the cache folder.</summary>
    public const string EnvironmentVariable = "NATIVEWAN_KERNEL_CACHE";

    /// <summary>The cache folder (created on first store).</summary>
    public string Directory { get; }

    /// <summary>The last store failure message, if any (for diagnostics).</summary>
    public string? LastStoreError { get; private set; }

    /// <summary>Creates a cache over <paramref name="directory"/> (default: <see cref="DefaultDirectory"/>).</summary>
    public KernelCache(string? directory = null) => Directory = Path.GetFullPath(directory ?? DefaultDirectory());

    /// <summary>
    /// <c>NATIVEWAN_KERNEL_CACHE</c> when set and non-empty, else the per-user default. <paramref name="getEnv"/>
    /// replaces <see cref="Environment.GetEnvironmentVariable(string)"/> in tests.
    /// </summary>
    public static string DefaultDirectory(Func<string, string?>? getEnv = null)
    {
        getEnv ??= Environment.GetEnvironmentVariable;
        var env = getEnv(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env)) return Path.GetFullPath(env.Trim());
        if (OperatingSystem.IsWindows())
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "nativewan", "kernels");
        var home = getEnv("HOME");
        if (string.IsNullOrEmpty(home)) home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".cache", "nativewan", "kernels");
    }

    /// <summary>Full path of the file for <paramref name="key"/>.</summary>
    public string PathFor(KernelCacheKey key) => Path.Combine(Directory, key.FileName);

    /// <summary>Reads the image for <paramref name="key"/>; false when absent, empty or unreadable.</summary>
    public bool TryLoad(KernelCacheKey key, out byte[] image)
    {
        try
        {
            var p = PathFor(key);
            if (File.Exists(p))
            {
                image = File.ReadAllBytes(p);
                if (image.Length > 0) return true;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        image = Array.Empty<byte>();
        return false;
    }

    /// <summary>Stores an image atomically; false (and <see cref="LastStoreError"/> set) when the folder is not writable.</summary>
    public bool TryStore(KernelCacheKey key, byte[] image)
    {
        try
        {
            AtomicFile.WriteAllBytes(PathFor(key), image);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LastStoreError = $"could not write kernel cache {PathFor(key)}: {e.Message}";
            return false;
        }
    }

    /// <summary>Deletes the entry for <paramref name="key"/> (e.g. after the driver rejected the image).</summary>
    public void Remove(KernelCacheKey key)
    {
        try { File.Delete(PathFor(key)); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Returns the cached image, or runs <paramref name="compile"/>, stores and returns its image.</summary>
    /// <returns>The image and whether it came from the cache.</returns>
    public (byte[] Image, bool Hit) GetOrAdd(KernelCacheKey key, Func<byte[]> compile)
    {
        if (TryLoad(key, out var image)) return (image, true);
        image = compile();
        TryStore(key, image);
        return (image, false);
    }
}
