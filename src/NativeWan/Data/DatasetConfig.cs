namespace NativeWan.Data;

/// <summary>
/// A musubi-tuner dataset configuration (docs/dataset_config.md, dataset/config_utils.py): the <c>[[datasets]]</c>
/// entries with <c>[general]</c> values and musubi's defaults applied, plus the warnings produced while reading.
/// </summary>
/// <param name="SourceName">The config file (or <c>--data</c> directory) the entries came from; used in messages.</param>
/// <param name="Datasets">The entries in file order.</param>
/// <param name="Warnings">Unknown or ignored keys, rounded target_frames, switched modes… each naming source and key.</param>
public sealed record DatasetConfig(string SourceName, IReadOnlyList<DatasetEntry> Datasets, IReadOnlyList<string> Warnings)
{
    /// <summary>Keys allowed in <c>[general]</c> and in each dataset (musubi's <c>DATASET_ASCENDABLE_SCHEMA</c>).</summary>
    public static readonly IReadOnlySet<string> GeneralKeys = new HashSet<string>
        { "caption_extension", "batch_size", "num_repeats", "resolution", "enable_bucket", "bucket_no_upscale" };

    /// <summary>Keys of image datasets besides <see cref="GeneralKeys"/> (<c>IMAGE_DATASET_DISTINCT_SCHEMA</c>).</summary>
    public static readonly IReadOnlySet<string> ImageKeys = new HashSet<string>
    {
        "image_directory", "image_jsonl_file", "cache_directory", "control_directory", "multiple_target",
        "fp_latent_window_size", "fp_1f_clean_indices", "fp_1f_target_index", "fp_1f_no_post", "no_resize_control", "control_resolution",
    };

    /// <summary>Keys of video datasets besides <see cref="GeneralKeys"/> (<c>VIDEO_DATASET_DISTINCT_SCHEMA</c>).</summary>
    public static readonly IReadOnlySet<string> VideoKeys = new HashSet<string>
    {
        "video_directory", "video_jsonl_file", "control_directory", "target_frames", "frame_extraction", "frame_stride",
        "frame_sample", "max_frames", "cache_directory", "source_fps", "fp_latent_window_size",
    };

    /// <summary>Keys read for musubi compatibility that NativeWan does not act on (a warning says so).</summary>
    public static readonly IReadOnlySet<string> CompatibilityOnlyKeys = new HashSet<string>
    {
        "control_directory", "multiple_target", "fp_latent_window_size", "fp_1f_clean_indices", "fp_1f_target_index",
        "fp_1f_no_post", "no_resize_control", "control_resolution",
    };

    static readonly (string Old, string New)[] DeprecatedKeys =
    [
        ("flux_kontext_no_resize_control", "no_resize_control"),
        ("qwen_image_edit_no_resize_control", "no_resize_control"),
        ("qwen_image_edit_control_resolution", "control_resolution"),
    ];

    /// <summary>
    /// Maps a parsed dataset TOML onto <see cref="DatasetEntry"/>s. <paramref name="root"/> holds <c>general</c> (a
    /// table, optional) and <c>datasets</c> (an array of tables, required); tables may be
    /// <c>IReadOnlyDictionary&lt;string, object?&gt;</c>, <c>IDictionary&lt;string, object?&gt;</c> or <c>IDictionary</c>,
    /// arrays <c>IList</c>/<c>IEnumerable</c>, integers <c>long</c>, floats <c>double</c>. A dataset value overrides the
    /// <c>[general]</c> one, which overrides musubi's default; null values count as absent (musubi's fallback rule).
    /// A dataset is a video dataset when it has <c>video_directory</c> or <c>video_jsonl_file</c>, an image dataset when
    /// it has <c>image_directory</c> or <c>image_jsonl_file</c>.
    /// Differences from musubi (which rejects the file): unknown keys, and keys of the other dataset kind or misplaced
    /// in <c>[general]</c>, are ignored with a warning; integers are accepted where a float is expected.
    /// </summary>
    /// <exception cref="DatasetConfigException">A value of the wrong type or range, no <c>[[datasets]]</c>, a dataset with
    /// no or both kinds of media source — the message names <paramref name="sourceName"/> and the key.</exception>
    public static DatasetConfig FromTable(IReadOnlyDictionary<string, object?> root, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(sourceName);
        var cv = new ConfigValues(sourceName);
        var warnings = new List<string>();

        foreach (var k in root.Keys)
            if (k is not ("general" or "datasets"))
                warnings.Add($"{sourceName}: unknown top-level key '{k}' ignored (expected [general] and [[datasets]])");

        IReadOnlyDictionary<string, object?> general = new Dictionary<string, object?>();
        if (root.TryGetValue("general", out var g) && g != null)
            general = ConfigValues.AsTable(g) ?? throw cv.Expected("general", "a table ([general])", g);
        general = RenameDeprecated(general, "general", sourceName, warnings);
        foreach (var k in general.Keys)
        {
            if (GeneralKeys.Contains(k)) continue;
            warnings.Add(ImageKeys.Contains(k) || VideoKeys.Contains(k)
                ? $"{sourceName}: general.{k}: '{k}' is a per-dataset key, not allowed in [general]; ignored (set it in each [[datasets]])"
                : $"{sourceName}: general.{k}: unknown key ignored");
        }

        if (!root.TryGetValue("datasets", out var ds) || ds is null)
            throw new DatasetConfigException(sourceName, null, "no [[datasets]] entries");
        var list = ConfigValues.AsList(ds) ?? throw cv.Expected("datasets", "an array of tables ([[datasets]])", ds);
        if (list.Count == 0) throw new DatasetConfigException(sourceName, "datasets", "no [[datasets]] entries");

        var entries = new List<DatasetEntry>(list.Count);
        for (int i = 0; i < list.Count; i++)
        {
            var t = ConfigValues.AsTable(list[i]) ?? throw cv.Expected($"datasets[{i}]", "a table", list[i]);
            entries.Add(ReadEntry(i, RenameDeprecated(t, $"datasets[{i}]", sourceName, warnings), general, cv, warnings));
        }
        return new DatasetConfig(sourceName, entries, warnings);
    }

    static IReadOnlyDictionary<string, object?> RenameDeprecated(IReadOnlyDictionary<string, object?> t, string where, string source, List<string> warnings)
    {
        if (!DeprecatedKeys.Any(d => t.ContainsKey(d.Old))) return t;
        var copy = new Dictionary<string, object?>(t);
        foreach (var (old, nu) in DeprecatedKeys)
        {
            if (!copy.Remove(old, out var v)) continue;
            if (copy.ContainsKey(nu))
                warnings.Add($"{source}: {where}.{old}: deprecated key ignored because '{nu}' is set");
            else
            {
                copy[nu] = v;
                warnings.Add($"{source}: {where}.{old}: deprecated key, read as '{nu}'");
            }
        }
        return copy;
    }

    static DatasetEntry ReadEntry(int index, IReadOnlyDictionary<string, object?> t, IReadOnlyDictionary<string, object?> general,
        ConfigValues cv, List<string> warnings)
    {
        string where = $"datasets[{index}]";
        string src = cv.Source;
        bool Has(string k) => t.TryGetValue(k, out var v) && v != null;
        bool hasVideo = Has("video_directory") || Has("video_jsonl_file");
        bool hasImage = Has("image_directory") || Has("image_jsonl_file");
        if (hasVideo && hasImage)
            throw cv.Error(where, "sets both an image source (image_directory/image_jsonl_file) and a video source (video_directory/video_jsonl_file); use one [[datasets]] entry for each");
        if (!hasVideo && !hasImage)
            throw cv.Error(where, "needs one of image_directory, image_jsonl_file, video_directory, video_jsonl_file");
        var kind = hasVideo ? DatasetKind.Video : DatasetKind.Image;
        var own = kind == DatasetKind.Video ? VideoKeys : ImageKeys;
        var other = kind == DatasetKind.Video ? ImageKeys : VideoKeys;
        string kindName = kind == DatasetKind.Video ? "video" : "image";

        foreach (var k in t.Keys)
        {
            if (GeneralKeys.Contains(k) || own.Contains(k)) continue;
            warnings.Add(other.Contains(k)
                ? $"{src}: {where}.{k}: applies to {(kind == DatasetKind.Video ? "image" : "video")} datasets only; ignored for this {kindName} dataset"
                : $"{src}: {where}.{k}: unknown key ignored");
        }

        // value lookup: dataset, then [general] for the ascendable keys; the key path names where the value came from
        bool TryGet(string k, out object? v, out string path)
        {
            if (t.TryGetValue(k, out v) && v != null && (GeneralKeys.Contains(k) || own.Contains(k))) { path = $"{where}.{k}"; return true; }
            if (GeneralKeys.Contains(k) && general.TryGetValue(k, out v) && v != null) { path = $"general.{k}"; return true; }
            v = null;
            path = $"{where}.{k}";
            return false;
        }

        var e = new DatasetEntry { Index = index, Kind = kind };
        if (TryGet("resolution", out var v, out var p)) e = e with { Resolution = cv.Resolution(p, v) };
        if (TryGet("caption_extension", out v, out p))
        {
            var ext = cv.Str(p, v, nonEmpty: false);
            if (ext.Length > 0 && ext[0] != '.')
                warnings.Add($"{src}: {p}: \"{ext}\" does not start with '.'; caption files are named <stem>{ext} (musubi appends it as is)");
            e = e with { CaptionExtension = ext };
        }
        if (TryGet("batch_size", out v, out p)) e = e with { BatchSize = cv.Int(p, v, 1) };
        if (TryGet("num_repeats", out v, out p)) e = e with { NumRepeats = cv.Int(p, v, 1) };
        if (TryGet("enable_bucket", out v, out p)) e = e with { EnableBucket = cv.Bool(p, v) };
        if (TryGet("bucket_no_upscale", out v, out p)) e = e with { BucketNoUpscale = cv.Bool(p, v) };
        if (TryGet("cache_directory", out v, out p)) e = e with { CacheDirectory = cv.Str(p, v) };
        if (TryGet("control_directory", out v, out p)) e = e with { ControlDirectory = cv.Str(p, v) };
        if (TryGet("fp_latent_window_size", out v, out p)) e = e with { FpLatentWindowSize = cv.Int(p, v, 1) };

        if (kind == DatasetKind.Image)
        {
            if (TryGet("image_directory", out v, out p)) e = e with { ImageDirectory = cv.Str(p, v) };
            if (TryGet("image_jsonl_file", out v, out p)) e = e with { ImageJsonlFile = cv.Str(p, v) };
            if (e.ImageDirectory != null && e.ImageJsonlFile != null)
                warnings.Add($"{src}: {where}: both image_directory and image_jsonl_file are set; image_directory is used (as in musubi)");
            if (TryGet("multiple_target", out v, out p)) e = e with { MultipleTarget = cv.Bool(p, v) };
            if (TryGet("fp_1f_clean_indices", out v, out p)) e = e with { Fp1fCleanIndices = cv.IntList(p, v, 0, allowScalar: false) };
            if (TryGet("fp_1f_target_index", out v, out p)) e = e with { Fp1fTargetIndex = cv.Int(p, v, 0) };
            if (TryGet("fp_1f_no_post", out v, out p)) e = e with { Fp1fNoPost = cv.Bool(p, v) };
            if (TryGet("no_resize_control", out v, out p)) e = e with { NoResizeControl = cv.Bool(p, v) };
            if (TryGet("control_resolution", out v, out p)) e = e with { ControlResolution = cv.Resolution(p, v) };
        }
        else
        {
            if (TryGet("video_directory", out v, out p)) e = e with { VideoDirectory = cv.Str(p, v) };
            if (TryGet("video_jsonl_file", out v, out p)) e = e with { VideoJsonlFile = cv.Str(p, v) };
            if (e.VideoDirectory != null && e.VideoJsonlFile != null)
                warnings.Add($"{src}: {where}: both video_directory and video_jsonl_file are set; video_directory is used (as in musubi)");
            if (TryGet("target_frames", out v, out p))
            {
                var raw = cv.IntList(p, v, 1, allowScalar: true);
                var rounded = FrameExtraction.NormalizeTargetFrames(raw);
                if (!raw.SequenceEqual(rounded))
                {
                    var sorted = raw.Distinct().Order().ToArray();
                    if (!sorted.SequenceEqual(rounded))
                        warnings.Add($"{src}: {p}: [{string.Join(", ", raw)}] rounded down to 4n+1: [{string.Join(", ", rounded)}]");
                }
                e = e with { TargetFrames = rounded };
            }
            if (TryGet("frame_extraction", out v, out p)) e = e with { FrameExtraction = ParseMode(cv, p, v) };
            if (TryGet("frame_stride", out v, out p)) e = e with { FrameStride = cv.Int(p, v, 1) };
            if (TryGet("frame_sample", out v, out p)) e = e with { FrameSample = cv.Int(p, v, 1) };
            if (TryGet("max_frames", out v, out p)) e = e with { MaxFrames = cv.Int(p, v, 1) };
            if (TryGet("source_fps", out v, out p)) e = e with { SourceFps = cv.Double(p, v, positive: true) };
            if (e.FrameExtraction == FrameExtractionMode.Uniform && e.FrameSample == 1)
            {
                warnings.Add($"{src}: {where}: frame_extraction = \"uniform\" with frame_sample = 1 is changed to \"head\" (as in musubi)");
                e = e with { FrameExtraction = FrameExtractionMode.Head };
            }
            if (e.FrameExtraction == FrameExtractionMode.Chunk && e.TargetFrames.Contains(1))
                warnings.Add($"{src}: {where}: target_frames contains 1 with frame_extraction = \"chunk\": every single frame becomes an item");
        }

        foreach (var k in CompatibilityOnlyKeys)
            if (TryGet(k, out _, out p) && (GeneralKeys.Contains(k) || own.Contains(k)))
                warnings.Add($"{src}: {p}: accepted for musubi-tuner compatibility but not used by NativeWan");
        if (!e.EnableBucket && e.BucketNoUpscale)
            warnings.Add($"{src}: {where}: bucket_no_upscale has no effect without enable_bucket = true");
        if (!e.EnableBucket && (e.Resolution.Width % BucketSelector.ResolutionStep != 0 || e.Resolution.Height % BucketSelector.ResolutionStep != 0))
            warnings.Add($"{src}: {where}: resolution {e.Resolution} is not a multiple of {BucketSelector.ResolutionStep} and enable_bucket is false; Wan needs sides divisible by {BucketSelector.ResolutionStep}");
        if (e.EnableBucket) _ = CheckBuckets(cv, where, e.Resolution);
        return e;
    }

    static bool CheckBuckets(ConfigValues cv, string where, Resolution r)
    {
        try { _ = new BucketSelector(r, true, false); return true; }
        catch (ArgumentException ex) { throw cv.Error($"{where}.resolution", ex.Message); }
    }

    static FrameExtractionMode ParseMode(ConfigValues cv, string path, object? v)
    {
        var s = cv.Str(path, v);
        return s.ToLowerInvariant() switch
        {
            "head" => FrameExtractionMode.Head,
            "chunk" => FrameExtractionMode.Chunk,
            "slide" => FrameExtractionMode.Slide,
            "uniform" => FrameExtractionMode.Uniform,
            "full" => FrameExtractionMode.Full,
            _ => throw cv.Error(path, $"unknown frame_extraction \"{s}\" (head, chunk, slide, uniform, full)"),
        };
    }

    /// <summary>
    /// The quick mode (<c>--data DIR</c>): every image (png, jpg, jpeg, webp, bmp, avif) and video (mp4, webm, mov, mkv,
    /// gif…) directly in <paramref name="directory"/>, with same-stem caption files. Gives one image dataset and/or one
    /// video dataset (only the kinds present), bucketing on by default, videos cut with <paramref name="frameExtraction"/>
    /// (default <c>full</c> up to <paramref name="maxFrames"/> = 81, Wan's clip length, rounded down to 4n+1).
    /// </summary>
    /// <exception cref="DatasetConfigException">Missing directory, no images or videos in it, or invalid parameters.</exception>
    public static DatasetConfig FromDirectory(string directory, Resolution resolution, bool enableBucket = true, bool bucketNoUpscale = false,
        int batchSize = 1, int numRepeats = 1, string captionExtension = ".txt",
        IReadOnlyList<int>? targetFrames = null, FrameExtractionMode frameExtraction = FrameExtractionMode.Full,
        int maxFrames = 81, int frameStride = 1, int frameSample = 1, double? sourceFps = null, string? cacheDirectory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var full = Path.GetFullPath(directory);
        string source = $"--data {full}";
        if (!Directory.Exists(full)) throw new DatasetConfigException(source, null, "directory not found");
        if (resolution.Width <= 0 || resolution.Height <= 0) throw new DatasetConfigException(source, "resolution", $"must be positive, got {resolution}");
        if (batchSize < 1) throw new DatasetConfigException(source, "batch_size", $"must be ≥ 1, got {batchSize}");
        if (numRepeats < 1) throw new DatasetConfigException(source, "num_repeats", $"must be ≥ 1, got {numRepeats}");
        if (maxFrames < 1) throw new DatasetConfigException(source, "max_frames", $"must be ≥ 1, got {maxFrames}");
        if (frameStride < 1) throw new DatasetConfigException(source, "frame_stride", $"must be ≥ 1, got {frameStride}");
        if (frameSample < 1) throw new DatasetConfigException(source, "frame_sample", $"must be ≥ 1, got {frameSample}");
        if (sourceFps is { } sf && !(sf > 0 && double.IsFinite(sf))) throw new DatasetConfigException(source, "source_fps", $"must be positive, got {sf}");
        int[] targets;
        try { targets = FrameExtraction.NormalizeTargetFrames(targetFrames ?? [1]); }
        catch (ArgumentOutOfRangeException ex) { throw new DatasetConfigException(source, "target_frames", ex.Message, ex); }
        if (targets.Length == 0) throw new DatasetConfigException(source, "target_frames", "must not be empty");
        if (enableBucket)
        {
            try { _ = new BucketSelector(resolution, true, false); }
            catch (ArgumentException ex) { throw new DatasetConfigException(source, "resolution", ex.Message, ex); }
        }

        bool images = MediaExtensions.List(full, DatasetKind.Image).Count > 0;
        bool videos = MediaExtensions.List(full, DatasetKind.Video).Count > 0;
        if (!images && !videos)
            throw new DatasetConfigException(source, null,
                $"no images ({string.Join(", ", MediaExtensions.Image)}) or videos ({string.Join(", ", MediaExtensions.Video)}) in the directory");

        var warnings = new List<string>();
        var mode = frameExtraction;
        if (mode == FrameExtractionMode.Uniform && frameSample == 1)
        {
            warnings.Add($"{source}: frame_extraction uniform with frame_sample 1 is changed to head (as in musubi)");
            mode = FrameExtractionMode.Head;
        }
        var common = new DatasetEntry
        {
            Resolution = resolution, EnableBucket = enableBucket, BucketNoUpscale = enableBucket && bucketNoUpscale,
            BatchSize = batchSize, NumRepeats = numRepeats, CaptionExtension = captionExtension,
        };
        var entries = new List<DatasetEntry>();
        if (images)
            entries.Add(common with
            {
                Index = entries.Count, Kind = DatasetKind.Image, ImageDirectory = full,
                CacheDirectory = cacheDirectory is null ? null : Path.Combine(cacheDirectory, "images"),
            });
        if (videos)
            entries.Add(common with
            {
                Index = entries.Count, Kind = DatasetKind.Video, VideoDirectory = full,
                CacheDirectory = cacheDirectory is null ? null : Path.Combine(cacheDirectory, "videos"),
                TargetFrames = targets, FrameExtraction = mode, MaxFrames = maxFrames, FrameStride = frameStride,
                FrameSample = frameSample, SourceFps = sourceFps,
            });
        return new DatasetConfig(source, entries, warnings);
    }
}
