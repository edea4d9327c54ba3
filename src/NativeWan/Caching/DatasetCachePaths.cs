using NativeWan.Data;

namespace NativeWan.Caching;

/// <summary>
/// Where musubi-tuner puts the caches of a dataset (dataset/image_video_dataset.py): in <c>cache_directory</c>, else
/// in the image/video directory; a JSONL dataset needs <c>cache_directory</c>. Latents are per item
/// (<see cref="DatasetItem.ItemKey"/>: the file stem, or <c>stem_SSSSS-FFF</c> for a video window), text-encoder
/// outputs per media file (its stem; every window of a video shares its caption and its text cache).
/// </summary>
public static class DatasetCachePaths
{
    /// <summary>
    /// The absolute cache directory of <paramref name="entry"/>. Relative paths are resolved against
    /// <paramref name="baseDirectory"/> (null: the current directory), as <see cref="DatasetScanner"/> resolves media paths.
    /// </summary>
    /// <exception cref="DatasetException">A JSONL dataset without <c>cache_directory</c> (musubi requires it too).</exception>
    public static string CacheDirectory(DatasetEntry entry, string? baseDirectory, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(entry);
        string? dir = entry.CacheDirectory
            ?? (entry.Kind == DatasetKind.Image ? entry.ImageDirectory : entry.VideoDirectory);
        if (dir is null)
            throw new DatasetException($"{sourceName}: {entry.Name}: cache_directory is required for a JSONL dataset ({entry.MediaSource}); set it in the [[datasets]] entry");
        return Path.GetFullPath(Path.IsPathRooted(dir) || baseDirectory is null ? dir : Path.Combine(baseDirectory, dir));
    }

    /// <summary>The cache directory of every dataset of <paramref name="config"/>, by dataset index.</summary>
    /// <exception cref="DatasetException">See <see cref="CacheDirectory(DatasetEntry, string?, string)"/>.</exception>
    public static string[] CacheDirectories(DatasetConfig config, string? baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(config);
        var dirs = new string[config.Datasets.Count];
        foreach (var e in config.Datasets) dirs[e.Index] = CacheDirectory(e, baseDirectory, config.SourceName);
        return dirs;
    }

    /// <summary>The latent cache of <paramref name="item"/> in <paramref name="cacheDirectory"/> (named by its original size, as musubi).</summary>
    public static string LatentPath(string cacheDirectory, DatasetItem item) =>
        CacheFiles.LatentPath(cacheDirectory, item.ItemKey, item.OriginalSize.Width, item.OriginalSize.Height);

    /// <summary>The text-encoder cache of <paramref name="item"/>'s media file in <paramref name="cacheDirectory"/>.</summary>
    public static string TextPath(string cacheDirectory, DatasetItem item) =>
        CacheFiles.TextPath(cacheDirectory, Path.GetFileNameWithoutExtension(item.MediaPath));
}
