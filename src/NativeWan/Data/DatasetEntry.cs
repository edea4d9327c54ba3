namespace NativeWan.Data;

/// <summary>Image or video dataset (musubi decides by the presence of <c>video_directory</c>/<c>video_jsonl_file</c>).</summary>
public enum DatasetKind
{
    Image,
    Video,
}

/// <summary>
/// One <c>[[datasets]]</c> entry of a musubi-tuner dataset TOML after <c>[general]</c> values were applied, with
/// musubi's defaults (dataset/config_utils.py <c>BaseDatasetParams</c>/<c>ImageDatasetParams</c>/<c>VideoDatasetParams</c>).
/// Keys marked "compatibility only" are read and validated but NativeWan does not use them.
/// </summary>
public sealed record DatasetEntry
{
    /// <summary>Position in the config, 0-based.</summary>
    public int Index { get; init; }
    /// <summary>Image or video dataset.</summary>
    public DatasetKind Kind { get; init; }

    /// <summary><c>resolution</c>: target (W, H); an int n means (n, n). Default (960, 544).</summary>
    public Resolution Resolution { get; init; } = new(960, 544);
    /// <summary><c>caption_extension</c>, e.g. ".txt"; musubi's default is none. The scanner uses ".txt" when null.</summary>
    public string? CaptionExtension { get; init; }
    /// <summary><c>batch_size</c> (≥ 1, default 1).</summary>
    public int BatchSize { get; init; } = 1;
    /// <summary><c>num_repeats</c> (≥ 1, default 1): each item counts this many times per epoch.</summary>
    public int NumRepeats { get; init; } = 1;
    /// <summary><c>enable_bucket</c> (default false: every item is resized/cropped to <see cref="Resolution"/>).</summary>
    public bool EnableBucket { get; init; }
    /// <summary><c>bucket_no_upscale</c> (default false; ignored without bucketing).</summary>
    public bool BucketNoUpscale { get; init; }
    /// <summary><c>cache_directory</c>; musubi falls back to the image/video directory.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary><c>image_directory</c>: images with same-stem caption files.</summary>
    public string? ImageDirectory { get; init; }
    /// <summary><c>image_jsonl_file</c>: lines <c>{"image_path": …, "caption": …}</c>.</summary>
    public string? ImageJsonlFile { get; init; }
    /// <summary><c>video_directory</c>: videos with same-stem caption files.</summary>
    public string? VideoDirectory { get; init; }
    /// <summary><c>video_jsonl_file</c>: lines <c>{"video_path": …, "caption": …}</c>.</summary>
    public string? VideoJsonlFile { get; init; }
    /// <summary><c>control_directory</c> (compatibility only).</summary>
    public string? ControlDirectory { get; init; }

    /// <summary><c>target_frames</c> rounded down to 4n+1, unique, ascending (default [1]). Video only.</summary>
    public IReadOnlyList<int> TargetFrames { get; init; } = [1];
    /// <summary><c>frame_extraction</c> (default head). Video only.</summary>
    public FrameExtractionMode FrameExtraction { get; init; } = FrameExtractionMode.Head;
    /// <summary><c>frame_stride</c> for slide (default 1). Video only.</summary>
    public int FrameStride { get; init; } = 1;
    /// <summary><c>frame_sample</c> for uniform (default 1). Video only.</summary>
    public int FrameSample { get; init; } = 1;
    /// <summary><c>max_frames</c> for full (default 129). Video only.</summary>
    public int MaxFrames { get; init; } = global::NativeWan.Data.FrameExtraction.DefaultMaxFrames;
    /// <summary><c>source_fps</c>: frame rate the videos are taken to have; frames are dropped to reach 16 fps. Null = use every frame.</summary>
    public double? SourceFps { get; init; }

    /// <summary><c>multiple_target</c> (compatibility only; Qwen-Image-Layered).</summary>
    public bool MultipleTarget { get; init; }
    /// <summary><c>fp_latent_window_size</c> (compatibility only; FramePack; default 9).</summary>
    public int FpLatentWindowSize { get; init; } = 9;
    /// <summary><c>fp_1f_clean_indices</c> (compatibility only).</summary>
    public IReadOnlyList<int>? Fp1fCleanIndices { get; init; }
    /// <summary><c>fp_1f_target_index</c> (compatibility only).</summary>
    public int? Fp1fTargetIndex { get; init; }
    /// <summary><c>fp_1f_no_post</c> (compatibility only).</summary>
    public bool Fp1fNoPost { get; init; }
    /// <summary><c>no_resize_control</c> (compatibility only).</summary>
    public bool NoResizeControl { get; init; }
    /// <summary><c>control_resolution</c> (compatibility only).</summary>
    public Resolution? ControlResolution { get; init; }

    /// <summary><c>datasets[i]</c>.</summary>
    public string Name => $"datasets[{Index}]";

    /// <summary>The directory or JSONL file the items come from (a directory wins when both are set, as in musubi).</summary>
    public string? MediaSource => Kind == DatasetKind.Image ? ImageDirectory ?? ImageJsonlFile : VideoDirectory ?? VideoJsonlFile;

    /// <summary>True when the items are listed in a JSONL file.</summary>
    public bool IsJsonl => Kind == DatasetKind.Image ? ImageDirectory is null : VideoDirectory is null;

    /// <summary>The bucket selector for this dataset's resolution and bucketing flags.</summary>
    public BucketSelector CreateBucketSelector() => new(Resolution, EnableBucket, BucketNoUpscale);
}
