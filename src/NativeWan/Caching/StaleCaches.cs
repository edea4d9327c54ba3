namespace NativeWan.Caching;

/// <summary>
/// musubi-tuner's clean-up after caching (cache_latents.py <c>encode_datasets</c>, cache_text_encoder_outputs.py
/// <c>post_process_cache_files</c>): files matching the cache pattern in a cache directory (not recursive) that no
/// current item produced are deleted, or listed as kept with keep-cache. Unlike musubi, the expected set is the union
/// over all datasets, so datasets sharing a cache directory (images and videos of one <c>--data</c> folder) do not
/// delete each other's caches.
/// </summary>
public static class StaleCaches
{
    /// <summary>Path comparer of the platform's file system (case-insensitive on Windows and macOS).</summary>
    public static StringComparer PathComparer { get; } =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>
    /// Deletes (or, with <paramref name="keep"/>, only lists) the stale cache files.
    /// </summary>
    /// <param name="cacheDirectories">Directories to look in; missing ones are skipped.</param>
    /// <param name="pattern"><see cref="CacheFiles.LatentFilePattern"/> or <see cref="CacheFiles.TextFilePattern"/>.</param>
    /// <param name="expected">Full paths of every cache file the current items map to.</param>
    /// <param name="keep">List instead of deleting.</param>
    /// <returns>The stale files (full paths, sorted), and deletions that failed (one line each).</returns>
    public static (IReadOnlyList<string> Stale, IReadOnlyList<string> Errors) Clean(IEnumerable<string> cacheDirectories, string pattern,
        IReadOnlySet<string> expected, bool keep)
    {
        var stale = new List<string>();
        var errors = new List<string>();
        foreach (var dir in cacheDirectories.Select(Path.GetFullPath).Distinct(PathComparer))
        {
            if (!Directory.Exists(dir)) continue;
            foreach (var file in Directory.EnumerateFiles(dir, pattern, SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal))
            {
                var full = Path.GetFullPath(file);
                if (expected.Contains(full)) continue;
                if (keep) { stale.Add(full); continue; }
                try
                {
                    File.Delete(full);
                    stale.Add(full);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    errors.Add($"{full}: stale cache file could not be removed: {e.Message}");
                }
            }
        }
        return (stale, errors);
    }
}
