using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace NativeWan.Data;

/// <summary>Options of <see cref="DatasetScanner.Scan"/>.</summary>
public sealed record DatasetScanOptions
{
    /// <summary>Count video frames by decoding (<c>ffprobe -count_frames</c>) instead of trusting the container header. Slow, exact.</summary>
    public bool ExactFrameCount { get; init; }
    /// <summary>Also decode each image (and each video's first frame) so corrupt data that ffprobe accepts is skipped now rather than at caching time.</summary>
    public bool VerifyDecode { get; init; }
    /// <summary>Concurrent ffprobe processes; 0 = processor count.</summary>
    public int MaxParallelism { get; init; }
    /// <summary>Per-file ffprobe limit; null = <see cref="MediaProbe.DefaultTimeout"/>.</summary>
    public TimeSpan? ProbeTimeout { get; init; }
    /// <summary>Directory relative paths in the config are resolved against; null = the current directory (as musubi).</summary>
    public string? BaseDirectory { get; init; }
}

/// <summary>Scanned items, every warning (config warnings first), and the plan.</summary>
public sealed record DatasetScanResult(DatasetConfig Config, IReadOnlyList<DatasetItem> Items, IReadOnlyList<string> Warnings, DatasetPlan Plan);

/// <summary>
/// Lists, probes and buckets the media of a <see cref="DatasetConfig"/> the way musubi-tuner's datasets do
/// (dataset/datasources.py, image_video_dataset.py): directories are read non-recursively, files sorted by path;
/// a caption is the text of <c>&lt;stem&gt;&lt;caption_extension&gt;</c> (".txt" when unset), trimmed; JSONL lines give
/// <c>image_path</c>/<c>video_path</c> and <c>caption</c>. Each image is one item; each video gives one item per frame
/// window of <see cref="FrameExtraction.Indices"/> (after <c>source_fps</c> resampling to 16 fps, and limited to the
/// largest target for <c>head</c> as musubi loads it). Buckets come from <see cref="BucketSelector"/> on the stored
/// (display) size, for images and videos alike.
/// Differences from musubi, all reported as warnings: a missing caption file gives an empty caption (musubi drops
/// the image); unreadable/corrupt files and videos shorter than every target are skipped and named.
/// </summary>
public static class DatasetScanner
{
    /// <summary>Scans every dataset of <paramref name="config"/>.</summary>
    /// <exception cref="DatasetException">A missing directory or JSONL file, a malformed JSONL line, or no usable item in any dataset (the message lists what each dataset held).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> fired.</exception>
    public static DatasetScanResult Scan(DatasetConfig config, DatasetScanOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        options ??= new DatasetScanOptions();
        var warnings = new List<string>(config.Warnings);
        var items = new List<DatasetItem>();
        var counts = new List<(int, int, int)>();
        foreach (var entry in config.Datasets)
        {
            var (media, usable, skipped) = ScanEntry(config, entry, options, items, warnings, ct);
            counts.Add((media, usable, skipped));
        }
        if (items.Count == 0)
        {
            var lines = config.Datasets.Select((e, i) =>
                $"  {e.Name} ({e.Kind.ToString().ToLowerInvariant()}, {e.MediaSource}): {counts[i].Item1} media files listed, {counts[i].Item3} skipped");
            var reasons = warnings.Where(w => !config.Warnings.Contains(w)).Take(10).Select(w => "  " + w);
            throw new DatasetException($"{config.SourceName}: the dataset is empty: no usable image or video\n"
                + string.Join("\n", lines) + (reasons.Any() ? "\n" + string.Join("\n", reasons) : ""));
        }
        return new DatasetScanResult(config, items, warnings, DatasetPlan.Build(config, items, counts));
    }

    readonly record struct Candidate(string Path, string Caption);

    static (int Media, int Usable, int Skipped) ScanEntry(DatasetConfig config, DatasetEntry entry, DatasetScanOptions options,
        List<DatasetItem> items, List<string> warnings, CancellationToken ct)
    {
        var candidates = ListCandidates(config.SourceName, entry, options.BaseDirectory, warnings);
        var infos = new MediaInfo?[candidates.Count];
        var errors = new string?[candidates.Count];
        var po = new ParallelOptions
        {
            CancellationToken = ct,
            MaxDegreeOfParallelism = options.MaxParallelism > 0 ? options.MaxParallelism : Environment.ProcessorCount,
        };
        try
        {
            ProbeAll(candidates, entry, options, po, infos, errors, ct);
        }
        catch (AggregateException ae) when (ae.Flatten().InnerExceptions.All(x => x is OperationCanceledException))
        {
            ct.ThrowIfCancellationRequested();
            throw ae.Flatten().InnerExceptions[0];
        }

        var selector = entry.CreateBucketSelector();
        int usable = 0, skipped = 0, offRate = 0;
        string? offRateExample = null;
        int minTarget = entry.TargetFrames.Count > 0 ? entry.TargetFrames.Min() : 1;
        int maxTarget = entry.TargetFrames.Count > 0 ? entry.TargetFrames.Max() : 1;
        for (int i = 0; i < candidates.Count; i++)
        {
            var (path, caption) = candidates[i];
            if (infos[i] is not { } info)
            {
                warnings.Add($"{path}: skipped, unreadable or corrupt: {errors[i]}");
                skipped++;
                continue;
            }
            Resolution bucket;
            try { bucket = selector.Select(info.Width, info.Height); }
            catch (ArgumentException ex)
            {
                warnings.Add($"{path}: skipped: {ex.Message}");
                skipped++;
                continue;
            }
            var size = new Resolution(info.Width, info.Height);
            if (entry.Kind == DatasetKind.Image)
            {
                items.Add(new DatasetItem(entry.Index, DatasetKind.Image, path, caption, size, bucket, new FrameWindow(0, 1), [0], entry.NumRepeats));
                usable++;
                continue;
            }

            int total = (int)Math.Min(info.FrameCount, int.MaxValue);
            int? headEnd = entry.FrameExtraction == FrameExtractionMode.Head ? maxTarget : null;
            int[] kept = entry.SourceFps is { } sf
                ? FrameExtraction.ResampleSourceIndices(total, sf, FrameExtraction.WanFps, headEnd)
                : Enumerable.Range(0, headEnd is { } h ? Math.Min(total, h) : total).ToArray();
            if (entry.SourceFps is null && info.IsVideo && info.FrameRate.IsValid && Math.Abs(info.Fps - FrameExtraction.WanFps) > 0.5)
            {
                offRate++;
                offRateExample ??= $"{Path.GetFileName(path)} at {info.Fps.ToString("0.###", CultureInfo.InvariantCulture)} fps";
            }
            var windows = FrameExtraction.Indices(entry.FrameExtraction, kept.Length, entry.TargetFrames,
                entry.FrameStride, entry.FrameSample, entry.MaxFrames);
            if (windows.Count == 0)
            {
                warnings.Add($"{path}: skipped: {total} frames{(entry.SourceFps is { } s2 ? $" ({kept.Length} after resampling {s2.ToString(CultureInfo.InvariantCulture)} → {FrameExtraction.WanFps} fps)" : "")}"
                    + $" is shorter than the smallest target_frames ({minTarget})");
                skipped++;
                continue;
            }
            foreach (var w in windows)
                items.Add(new DatasetItem(entry.Index, DatasetKind.Video, path, caption, size, bucket, w,
                    kept.AsSpan(w.Start, w.Count).ToArray(), entry.NumRepeats));
            usable++;
        }
        if (offRate > 0)
            warnings.Add($"{config.SourceName}: {entry.Name}: {offRate} video(s) are not {FrameExtraction.WanFps} fps (e.g. {offRateExample}) and source_fps is not set: "
                + "every frame is used, so motion plays at a different speed than Wan's 16 fps (set source_fps to drop frames)");
        if (usable == 0 && candidates.Count > 0)
            warnings.Add($"{config.SourceName}: {entry.Name} ({entry.MediaSource}): no usable {entry.Kind.ToString().ToLowerInvariant()}");
        else if (candidates.Count == 0)
            warnings.Add($"{config.SourceName}: {entry.Name}: no {(entry.Kind == DatasetKind.Image ? "images" : "videos")} in {entry.MediaSource}");
        return (candidates.Count, usable, skipped);
    }

    static void ProbeAll(List<Candidate> candidates, DatasetEntry entry, DatasetScanOptions options, ParallelOptions po,
        MediaInfo?[] infos, string?[] errors, CancellationToken ct)
    {
        Parallel.For(0, candidates.Count, po, i =>
        {
            var path = candidates[i].Path;
            try
            {
                var info = MediaProbe.Probe(path, options.ExactFrameCount, options.ProbeTimeout, ct);
                if (options.VerifyDecode)
                {
                    if (entry.Kind == DatasetKind.Image) _ = ImageDecoder.Decode(path, null, ct);
                    else VideoDecoder.ForEachFrame(path, (_, _) => false, null, 1, null, ct);
                }
                infos[i] = info;
            }
            catch (MediaException ex)
            {
                errors[i] = ex.Reason;
            }
        });
    }

    static string Resolve(string path, string? baseDir) =>
        Path.GetFullPath(Path.IsPathRooted(path) || baseDir is null ? path : Path.Combine(baseDir, path));

    static List<Candidate> ListCandidates(string source, DatasetEntry entry, string? baseDir, List<string> warnings)
    {
        string key = entry.Kind == DatasetKind.Image
            ? entry.ImageDirectory != null ? "image_directory" : "image_jsonl_file"
            : entry.VideoDirectory != null ? "video_directory" : "video_jsonl_file";
        var where = entry.MediaSource ?? throw new DatasetException($"{source}: {entry.Name}: no media source");
        var resolved = Resolve(where, baseDir);
        var list = new List<Candidate>();
        if (!entry.IsJsonl)
        {
            if (!Directory.Exists(resolved))
                throw new DatasetException($"{source}: {entry.Name}.{key}: directory not found: {resolved}");
            string ext = entry.CaptionExtension ?? ".txt";
            foreach (var file in MediaExtensions.List(resolved, entry.Kind))
            {
                var dir = Path.GetDirectoryName(file)!;
                var captionPath = Path.Combine(dir, Path.GetFileNameWithoutExtension(file) + ext);
                string caption = "";
                if (File.Exists(captionPath))
                {
                    try { caption = File.ReadAllText(captionPath).Trim(); }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        warnings.Add($"{file}: caption file {captionPath} cannot be read ({ex.Message}); using an empty caption");
                    }
                }
                else
                    warnings.Add($"{file}: caption file {Path.GetFileName(captionPath)} not found; using an empty caption");
                list.Add(new Candidate(file, caption));
            }
            return list;
        }

        if (!File.Exists(resolved))
            throw new DatasetException($"{source}: {entry.Name}.{key}: file not found: {resolved}");
        string pathKey = entry.Kind == DatasetKind.Image ? "image_path" : "video_path";
        string jsonlDir = Path.GetDirectoryName(resolved)!;
        int lineNo = 0;
        foreach (var line in File.ReadLines(resolved))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string at = $"{resolved}:{lineNo}";
            JsonDocument doc;
            try { doc = JsonDocument.Parse(line); }
            catch (JsonException ex) { throw new DatasetException($"{at}: invalid JSON ({ex.Message})", ex); }
            using (doc)
            {
                var o = doc.RootElement;
                if (o.ValueKind != JsonValueKind.Object) throw new DatasetException($"{at}: expected a JSON object per line");
                string? media = null;
                foreach (var k in entry.Kind == DatasetKind.Image ? new[] { "image_path", "image_path_0" } : ["video_path"])
                    if (o.TryGetProperty(k, out var pv))
                    {
                        media = pv.ValueKind == JsonValueKind.String ? pv.GetString() : throw new DatasetException($"{at}: \"{k}\" must be a string");
                        break;
                    }
                if (string.IsNullOrEmpty(media)) throw new DatasetException($"{at}: missing \"{pathKey}\"");
                string caption = "";
                if (o.TryGetProperty("caption", out var cv))
                {
                    if (cv.ValueKind != JsonValueKind.String) throw new DatasetException($"{at}: \"caption\" must be a string");
                    caption = cv.GetString()!.Trim();
                }
                else warnings.Add($"{at}: no \"caption\"; using an empty caption");
                // relative media paths: next to the JSONL file when found there, else as the config's relative paths
                string mediaPath = Path.IsPathRooted(media) ? Path.GetFullPath(media)
                    : File.Exists(Path.Combine(jsonlDir, media)) ? Path.GetFullPath(Path.Combine(jsonlDir, media))
                    : Resolve(media, baseDir);
                list.Add(new Candidate(mediaPath, caption));
            }
        }
        return list;
    }
}
