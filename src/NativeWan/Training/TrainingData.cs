using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using NativeWan.Caching;
using NativeWan.Data;
using NativeWan.IO;
using NativeWan.Models.Wan;

namespace NativeWan.Training;

/// <summary>One dataset item with its cache files and loaded sample.</summary>
/// <param name="Item">The scanned item.</param>
/// <param name="LatentPath">Its latent cache (musubi naming, <see cref="CacheFiles.LatentPath"/>).</param>
/// <param name="TextPath">Its text-encoder cache (<see cref="CacheFiles.TextPath"/>; per media file, shared by a video's windows).</param>
/// <param name="Sample">The loaded tensors.</param>
public sealed record TrainingItem(DatasetItem Item, string LatentPath, string TextPath, TrainingSample Sample);

/// <summary>The loaded training set.</summary>
/// <param name="Items">Distinct items in scan order.</param>
/// <param name="Samples">What one epoch draws: each item's sample <c>Repeats</c> times (the same instance).</param>
/// <param name="Fingerprint">SHA-256 (hex) of every sample's key, repeats, shapes and values: a resumed run must see the same data.</param>
public sealed record TrainingDataSet(IReadOnlyList<TrainingItem> Items, IReadOnlyList<TrainingSample> Samples, string Fingerprint);

/// <summary>
/// Maps scanned dataset items to their musubi-named cache files and loads them as <see cref="TrainingSample"/>s
/// (musubi dataset/image_video_dataset.py: latents in <c>{stem}_{W:0000}x{H:0000}_wan.safetensors</c> with the
/// original size, text in <c>{media stem}_wan_te.safetensors</c>; the cache directory is the dataset's
/// <c>cache_directory</c>, else the folder of the media file).
/// </summary>
public static class TrainingData
{
    /// <summary>The cache directory of <paramref name="item"/>: its dataset's <c>cache_directory</c> (relative paths against <paramref name="baseDirectory"/> or the current directory), else the media file's folder.</summary>
    public static string CacheDirectory(DatasetEntry entry, DatasetItem item, string? baseDirectory = null)
    {
        if (entry.CacheDirectory is { Length: > 0 } c)
            return Path.GetFullPath(Path.IsPathRooted(c) || baseDirectory is null ? c : Path.Combine(baseDirectory, c));
        return Path.GetDirectoryName(Path.GetFullPath(item.MediaPath))!;
    }

    /// <summary>The latent and text cache paths of <paramref name="item"/>.</summary>
    public static (string Latent, string Text) CachePaths(DatasetEntry entry, DatasetItem item, string? baseDirectory = null)
    {
        var dir = CacheDirectory(entry, item, baseDirectory);
        return (CacheFiles.LatentPath(dir, item.ItemKey, item.OriginalSize.Width, item.OriginalSize.Height),
            CacheFiles.TextPath(dir, Path.GetFileNameWithoutExtension(item.MediaPath)));
    }

    /// <summary>
    /// Loads every item's caches and checks them against the DiT: latent channels = out_dim, latent size = the
    /// item's bucket / 8 (frames (F − 1)/4 + 1), text width = text_dim and length ≤ text_len, and for I2V
    /// (<paramref name="imageToVideo"/>) the image latent y with in_dim − out_dim channels.
    /// </summary>
    /// <param name="items">Scanned items (<see cref="DatasetScanner.Scan"/>).</param>
    /// <param name="datasets">The config's entries, indexed by <see cref="DatasetItem.DatasetIndex"/>.</param>
    /// <param name="config">The DiT's configuration.</param>
    /// <param name="imageToVideo">Require and load the image latent.</param>
    /// <param name="baseDirectory">Base of relative <c>cache_directory</c> paths (null = current directory).</param>
    /// <exception cref="FileNotFoundException">Caches are missing: the message counts them, names the first few, and
    /// says to run <c>nativewan cache-latents</c> / <c>nativewan cache-text</c> first.</exception>
    /// <exception cref="ModelFileException">A cache that does not fit the model or the item (named, with the reason).</exception>
    public static TrainingDataSet Load(IReadOnlyList<DatasetItem> items, IReadOnlyList<DatasetEntry> datasets, WanConfig config,
        bool imageToVideo, string? baseDirectory = null)
    {
        var paths = items.Select(i => CachePaths(datasets[i.DatasetIndex], i, baseDirectory)).ToList();
        var missingLatent = paths.Where(p => !File.Exists(p.Latent)).Select(p => p.Latent).ToList();
        var missingText = paths.Select(p => p.Text).Distinct().Where(p => !File.Exists(p)).ToList();
        if (missingLatent.Count > 0 || missingText.Count > 0)
            throw new FileNotFoundException(MissingMessage(items.Count, missingLatent, missingText, imageToVideo), (missingLatent.Count > 0 ? missingLatent : missingText)[0]);

        var texts = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var loaded = new List<TrainingItem>(items.Count);
        for (int n = 0; n < items.Count; n++)
        {
            var item = items[n];
            var (latentPath, textPath) = paths[n];
            var (latent, shape, image) = CacheFiles.ReadLatent(latentPath);
            CheckLatent(latentPath, item, shape, config);
            float[]? cond = null;
            if (imageToVideo)
            {
                if (image is null)
                    throw new ModelFileException(latentPath, null, "has no image latent (latents_image_*) but --task i2v-A14B needs it: "
                        + "re-run `nativewan cache-latents` for the I2V task");
                long want = (long)config.CondChannels * shape.Frames * shape.Height * shape.Width;
                if (image.Length != want)
                    throw new ModelFileException(latentPath, null, $"image latent has {image.Length} values, the DiT needs {config.CondChannels}×{shape.Frames}×{shape.Height}×{shape.Width} = {want}");
                cond = image;
            }
            if (!texts.TryGetValue(textPath, out var context))
            {
                var (ctx, length, dim) = CacheFiles.ReadText(textPath);
                if (dim != config.TextDim)
                    throw new ModelFileException(textPath, null, $"text embeddings are {dim} wide, the DiT's text_dim is {config.TextDim} (cached with another text encoder?)");
                if (length < 1 || length > config.TextLen)
                    throw new ModelFileException(textPath, null, $"{length} text tokens; the DiT takes 1…{config.TextLen}");
                texts[textPath] = context = ctx;
            }
            loaded.Add(new TrainingItem(item, latentPath, textPath, new TrainingSample(item.ItemKey, latent, shape, context, cond)));
        }
        var samples = new List<TrainingSample>();
        foreach (var it in loaded)
            for (int r = 0; r < it.Item.Repeats; r++) samples.Add(it.Sample);
        return new TrainingDataSet(loaded, samples, Fingerprint(loaded));
    }

    static void CheckLatent(string path, DatasetItem item, LatentShape shape, WanConfig config)
    {
        if (shape.Channels != config.OutDim)
            throw new ModelFileException(path, null, $"latent has {shape.Channels} channels, the DiT expects {config.OutDim} (cached with another VAE?)");
        int f = (item.Frames - 1) / 4 + 1, h = item.Bucket.Height / 8, w = item.Bucket.Width / 8;
        if (shape.Frames != f || shape.Height != h || shape.Width != w)
            throw new ModelFileException(path, null, $"latent is {shape.Frames}x{shape.Height}x{shape.Width} (F×H×W) but item '{item.ItemKey}' "
                + $"(bucket {item.Bucket.Width}x{item.Bucket.Height}, {item.Frames} frames) needs {f}x{h}x{w}: the cache is stale, re-run `nativewan cache-latents`");
        if (shape.Height % config.PatchSize.H != 0 || shape.Width % config.PatchSize.W != 0 || shape.Frames % config.PatchSize.T != 0)
            throw new ModelFileException(path, null, $"latent {shape} is not divisible by the patch size {config.PatchSize}");
    }

    static string MissingMessage(int total, List<string> latents, List<string> texts, bool i2v)
    {
        var sb = new StringBuilder();
        if (latents.Count > 0)
        {
            sb.Append($"{latents.Count} of {total} items have no latent cache, e.g. {latents[0]}");
            foreach (var p in latents.Skip(1).Take(4)) sb.Append($"\n  also missing: {p}");
            sb.Append($"\n  run `nativewan cache-latents` with the same dataset{(i2v ? " (for the I2V task)" : "")} first");
        }
        if (texts.Count > 0)
        {
            if (sb.Length > 0) sb.Append('\n');
            sb.Append($"{texts.Count} text-encoder cache file(s) missing, e.g. {texts[0]}");
            foreach (var p in texts.Skip(1).Take(4)) sb.Append($"\n  also missing: {p}");
            sb.Append("\n  run `nativewan cache-text` with the same dataset first");
        }
        return sb.ToString();
    }

    static string Fingerprint(IReadOnlyList<TrainingItem> items)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var it in items)
        {
            var s = it.Sample;
            sha.AppendData(Encoding.UTF8.GetBytes($"{s.Key}|{it.Item.Repeats}|{s.Shape}|{s.Context.Length}|{s.Cond?.Length ?? 0}\n"));
            sha.AppendData(MemoryMarshal.AsBytes(s.Latent.AsSpan()));
            sha.AppendData(MemoryMarshal.AsBytes(s.Context.AsSpan()));
            if (s.Cond != null) sha.AppendData(MemoryMarshal.AsBytes(s.Cond.AsSpan()));
        }
        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }
}
