using System.Diagnostics;
using System.Text.Json;
using NativeWan.Data;
using NativeWan.IO;
using NativeWan.Models.Vae;
using NativeWan.Models.Wan;

namespace NativeWan.Caching;

/// <summary>Settings of a <see cref="LatentCacher"/> run (musubi <c>wan_cache_latents.py</c> flags).</summary>
public sealed record LatentCacheOptions
{
    /// <summary>The VAE file's identity (<see cref="CacheFiles.ModelIdentity"/>), part of every cache hash.</summary>
    public required string VaeIdentity { get; init; }
    /// <summary><c>--i2v</c>: also store the I2V conditioning y as <c>latents_image_…</c> [4 + 16, T, h, w].</summary>
    public bool I2V { get; init; }
    /// <summary><c>--keep_cache</c>: leave stale cache files (no current item maps to them) in place.</summary>
    public bool KeepCache { get; init; }
    /// <summary><c>--skip_existing</c>: any existing cache file counts as done, hash or not (musubi's meaning).</summary>
    public bool SkipExisting { get; init; }
    /// <summary>Directory relative <c>cache_directory</c> paths are resolved against (null: the current directory).</summary>
    public string? BaseDirectory { get; init; }
    /// <summary>Per-item ffmpeg limit (null: the decoder's default).</summary>
    public TimeSpan? DecodeTimeout { get; init; }
}

/// <summary>
/// The latent caching stage (musubi-tuner <c>wan_cache_latents.py</c> + <c>cache_latents.encode_datasets</c>): each
/// dataset item is decoded and brought to its bucket (<see cref="DatasetItemLoader"/>), VAE-encoded
/// (<see cref="WanVae.Encode(VaeTensor, bool)"/>, normalized latent [16, 1 + (F−1)/4, H/8, W/8]) and written with
/// <see cref="CacheFiles.WriteLatent"/> to <see cref="DatasetCachePaths.LatentPath"/>. With I2V the conditioning y of
/// <see cref="I2VConditioning"/> is stored too. An item whose cache carries the same source hash (media bytes, bucket,
/// frame window, source frame indices, VAE identity, I2V flag) is skipped. A file that cannot be decoded or encoded is
/// reported and the run goes on. Finally stale <c>*_wan.safetensors</c> files in the cache directories are removed
/// (<see cref="StaleCaches"/>) unless keep-cache is set. The VAE is loaded only when some item needs encoding. The next
/// item is decoded on a worker while the current one is encoded (two items' pixels in memory at most).
/// Everything is float32 (musubi stores the VAE dtype, bf16 by default).
/// </summary>
public sealed class LatentCacher
{
    readonly LatentCacheOptions _o;

    /// <exception cref="ArgumentException">No VAE identity.</exception>
    public LatentCacher(LatentCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.VaeIdentity);
        _o = options;
    }

    /// <summary>The settings string hashed with the media bytes (JSON; any change re-caches the item).</summary>
    public static string Settings(DatasetItem item, string vaeIdentity, bool i2v) => JsonSerializer.Serialize(new
    {
        cache = "nativewan-latent-v1",
        kind = item.Kind.ToString().ToLowerInvariant(),
        bucket = new[] { item.Bucket.Width, item.Bucket.Height },
        window = new[] { item.Window.Start, item.Window.Count },
        source_frames = item.SourceFrameIndices,
        vae = vaeIdentity,
        i2v,
    });

    sealed record Job(DatasetItem Item, string Path, string Hash);

    /// <summary>Caches every item of <paramref name="scan"/>.</summary>
    /// <param name="loadVae">Loads the VAE; called at most once, and only if an item needs encoding.</param>
    /// <param name="progress">Called once per item, in order, on the calling thread.</param>
    /// <exception cref="DatasetException">A JSONL dataset without cache_directory (before anything is read).</exception>
    /// <exception cref="ModelFileException">Thrown by <paramref name="loadVae"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> fired.</exception>
    public CacheReport Run(DatasetScanResult scan, Func<WanVae> loadVae, Action<CacheProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(loadVae);
        var dirs = DatasetCachePaths.CacheDirectories(scan.Config, _o.BaseDirectory);
        var failures = new List<string>();
        var warnings = new List<string>();
        var expected = new HashSet<string>(StaleCaches.PathComparer);
        var owner = new Dictionary<string, DatasetItem>(StaleCaches.PathComparer);
        var digests = new Dictionary<string, byte[]>(StaleCaches.PathComparer);
        int total = scan.Items.Count, done = 0, encoded = 0, upToDate = 0;
        void Report(string key, string path, CacheItemStatus s, string detail, double sec) =>
            progress?.Invoke(new CacheProgress(++done, total, key, path, s, detail, sec));
        void Fail(DatasetItem item, string path, string reason, double sec, bool oldCacheNote = true)
        {
            failures.Add($"{item.MediaPath}: item {item.ItemKey}: {reason}");
            if (oldCacheNote && File.Exists(path)) warnings.Add($"{path}: an older cache of failed item {item.ItemKey} is left in place");
            Report(item.ItemKey, path, CacheItemStatus.Failed, reason, sec);
        }

        // 1. paths, hashes, what is up to date
        var pending = new List<Job>();
        foreach (var item in scan.Items)
        {
            ct.ThrowIfCancellationRequested();
            var sw = Stopwatch.StartNew();
            var path = Path.GetFullPath(DatasetCachePaths.LatentPath(dirs[item.DatasetIndex], item));
            expected.Add(path);
            if (!owner.TryAdd(path, item))
            {
                Fail(item, path, $"same cache file as {owner[path].MediaPath} (item {owner[path].ItemKey}); rename one of the files", 0, false);
                continue;
            }
            if (_o.SkipExisting && File.Exists(path))
            {
                upToDate++;
                Report(item.ItemKey, path, CacheItemStatus.UpToDate, "exists (--skip_existing)", sw.Elapsed.TotalSeconds);
                continue;
            }
            string hash;
            try
            {
                if (!digests.TryGetValue(item.MediaPath, out var digest))
                    digests[item.MediaPath] = digest = CacheFiles.FileDigest(item.MediaPath);
                hash = CacheFiles.SourceHash(digest, Settings(item, _o.VaeIdentity, _o.I2V));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Fail(item, path, $"cannot read the file: {e.Message}", sw.Elapsed.TotalSeconds);
                continue;
            }
            if (CacheFiles.IsUpToDate(path, hash))
            {
                upToDate++;
                Report(item.ItemKey, path, CacheItemStatus.UpToDate, "up to date", sw.Elapsed.TotalSeconds);
                continue;
            }
            pending.Add(new Job(item, path, hash));
        }

        // 2. decode (one item ahead, on a worker) and encode
        if (pending.Count > 0)
        {
            var vae = loadVae() ?? throw new InvalidOperationException("the VAE loader returned null");
            Task<VaeInput> Prefetch(Job j) => Task.Run(() => DatasetItemLoader.Load(j.Item, _o.DecodeTimeout, ct), ct);
            Task<VaeInput>? next = Prefetch(pending[0]);
            try
            {
                for (int i = 0; i < pending.Count; i++)
                {
                    var job = pending[i];
                    var sw = Stopwatch.StartNew();
                    var current = next!;
                    next = i + 1 < pending.Count ? Prefetch(pending[i + 1]) : null;
                    VaeInput input;
                    try { input = current.GetAwaiter().GetResult(); }
                    catch (Exception e) when (e is MediaException or IOException or ArgumentException or InvalidDataException)
                    {
                        Fail(job.Item, job.Path, e is MediaException me ? me.Reason : e.Message, sw.Elapsed.TotalSeconds);
                        continue;
                    }
                    string? error = EncodeAndWrite(vae, job, input, out var detail);
                    if (error != null) { Fail(job.Item, job.Path, error, sw.Elapsed.TotalSeconds); continue; }
                    encoded++;
                    Report(job.Item.ItemKey, job.Path, CacheItemStatus.Encoded, detail, sw.Elapsed.TotalSeconds);
                }
            }
            finally
            {
                // a prefetch still running after an exception: let it finish unobserved-safe
                next?.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
            }
        }

        // 3. stale caches
        var (stale, errors) = StaleCaches.Clean(dirs, CacheFiles.LatentFilePattern, expected, _o.KeepCache);
        return new CacheReport(encoded, upToDate, failures, _o.KeepCache ? [] : stale, _o.KeepCache ? stale : [], warnings, errors);
    }

    /// <summary>Encodes one loaded item (and its I2V y) and writes the cache; returns an error text or null.</summary>
    string? EncodeAndWrite(WanVae vae, Job job, VaeInput input, out string detail)
    {
        detail = "";
        var item = job.Item;
        VaeTensor latent, video;
        VaeTensor? y = null;
        try
        {
            video = new VaeTensor(input.Data, input.Channels, input.Frames, input.Height, input.Width);
            latent = vae.Encode(video);
            if (_o.I2V)
            {
                // F = 1: [frame 0, no zero frames] is the clip itself, so its latent is the one just computed
                var imageLatent = video.Frames == 1 ? latent : vae.Encode(I2VConditioning.FirstFrameClip(video));
                y = I2VConditioning.Concat(imageLatent, video.Frames);
            }
        }
        catch (ArgumentException e) { return $"VAE encode: {e.Message}"; }

        int bad = CountNonFinite(latent.Data) + (y is null ? 0 : CountNonFinite(y.Data));
        if (bad > 0) return $"the VAE produced {bad} non-finite values; no cache written";
        var shape = new LatentShape(latent.Channels, latent.Frames, latent.Height, latent.Width);
        try
        {
            CacheFiles.WriteLatent(job.Path, latent.Data, shape, y?.Data, item.OriginalSize.Width, item.OriginalSize.Height,
                item.Kind == DatasetKind.Video ? item.Frames : null, job.Hash);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot write {job.Path}: {e.Message}";
        }
        detail = $"{item.Bucket.Width}x{item.Bucket.Height}x{item.Frames} → latent {shape}" + (y is null ? "" : $" + y [{y.Channels}, {y.Frames}, {y.Height}, {y.Width}]");
        return null;
    }

    static int CountNonFinite(float[] v)
    {
        int n = 0;
        foreach (var x in v) if (!float.IsFinite(x)) n++;
        return n;
    }
}
