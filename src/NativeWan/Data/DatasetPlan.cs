using System.Text;

namespace NativeWan.Data;

/// <summary>Items of one bucket of one dataset.</summary>
/// <param name="Key">The (W, H, F) bucket.</param>
/// <param name="Items">Distinct items (files or video windows).</param>
/// <param name="Samples">Items × num_repeats: what one epoch draws.</param>
/// <param name="Batches">⌈Samples / batch_size⌉ (musubi's BucketBatchManager: no batch mixes buckets; the last one may be short).</param>
public sealed record BucketPlan(BucketKey Key, int Items, int Samples, int Batches);

/// <summary>Summary of one dataset after scanning.</summary>
/// <param name="Entry">The dataset's configuration.</param>
/// <param name="MediaFiles">Media files listed (directory or JSONL).</param>
/// <param name="UsableFiles">Files that produced at least one item.</param>
/// <param name="SkippedFiles">Files skipped (unreadable, corrupt, too short…); each has a warning.</param>
/// <param name="Buckets">Buckets in (W, H, F) order.</param>
public sealed record DatasetPlanEntry(DatasetEntry Entry, int MediaFiles, int UsableFiles, int SkippedFiles, IReadOnlyList<BucketPlan> Buckets)
{
    /// <summary>Distinct items.</summary>
    public int Items => Buckets.Sum(b => b.Items);
    /// <summary>Samples per epoch (items × repeats).</summary>
    public int Samples => Buckets.Sum(b => b.Samples);
    /// <summary>Batches per epoch.</summary>
    public int Batches => Buckets.Sum(b => b.Batches);
}

/// <summary>What a scan found: per dataset, files, items per bucket, samples and batches per epoch.</summary>
public sealed record DatasetPlan(string SourceName, IReadOnlyList<DatasetPlanEntry> Datasets)
{
    /// <summary>Distinct items over all datasets.</summary>
    public int TotalItems => Datasets.Sum(d => d.Items);
    /// <summary>Samples per epoch over all datasets.</summary>
    public int TotalSamples => Datasets.Sum(d => d.Samples);
    /// <summary>Batches per epoch over all datasets (musubi concatenates the datasets' batch lists).</summary>
    public int TotalBatches => Datasets.Sum(d => d.Batches);

    /// <summary>Builds the plan from scanned items.</summary>
    public static DatasetPlan Build(DatasetConfig config, IReadOnlyList<DatasetItem> items,
        IReadOnlyList<(int MediaFiles, int UsableFiles, int SkippedFiles)> fileCounts)
    {
        var entries = new List<DatasetPlanEntry>();
        foreach (var e in config.Datasets)
        {
            var buckets = items.Where(i => i.DatasetIndex == e.Index)
                .GroupBy(i => i.Key)
                .OrderBy(g => g.Key)
                .Select(g =>
                {
                    int n = g.Count(), samples = g.Sum(i => i.Repeats);
                    return new BucketPlan(g.Key, n, samples, (samples + e.BatchSize - 1) / e.BatchSize);
                })
                .ToList();
            var (media, usable, skipped) = e.Index < fileCounts.Count ? fileCounts[e.Index] : (0, 0, 0);
            entries.Add(new DatasetPlanEntry(e, media, usable, skipped, buckets));
        }
        return new DatasetPlan(config.SourceName, entries);
    }

    /// <summary>A plain-text table for the console.</summary>
    public string Format()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Dataset plan ({SourceName})");
        foreach (var d in Datasets)
        {
            var e = d.Entry;
            sb.Append($"  {e.Name} {e.Kind.ToString().ToLowerInvariant()}: {e.MediaSource}");
            sb.AppendLine($"  (resolution {e.Resolution}, bucket {(e.EnableBucket ? e.BucketNoUpscale ? "on, no upscale" : "on" : "off")}, batch {e.BatchSize}, repeats {e.NumRepeats})");
            if (e.Kind == DatasetKind.Video)
                sb.AppendLine($"    frames: {e.FrameExtraction.ToString().ToLowerInvariant()}"
                    + (e.FrameExtraction != FrameExtractionMode.Full ? $", target_frames [{string.Join(", ", e.TargetFrames)}]" : "")
                    + (e.FrameExtraction == FrameExtractionMode.Slide ? $", stride {e.FrameStride}" : "")
                    + (e.FrameExtraction == FrameExtractionMode.Uniform ? $", sample {e.FrameSample}" : "")
                    + (e.FrameExtraction == FrameExtractionMode.Full ? $", max {e.MaxFrames}" : "")
                    + (e.SourceFps is { } fps ? $", source_fps {fps} → {FrameExtraction.WanFps}" : ""));
            sb.AppendLine($"    files: {d.MediaFiles} listed, {d.UsableFiles} used, {d.SkippedFiles} skipped");
            foreach (var b in d.Buckets)
                sb.AppendLine($"    bucket {b.Key.Width,5}x{b.Key.Height,-5} F={b.Key.Frames,-4} items {b.Items,6}  samples {b.Samples,6}  batches {b.Batches,6}");
            sb.AppendLine($"    total: items {d.Items}, samples/epoch {d.Samples}, batches/epoch {d.Batches}");
        }
        sb.AppendLine($"  all datasets: items {TotalItems}, samples/epoch {TotalSamples}, batches/epoch {TotalBatches}");
        return sb.ToString();
    }

    public override string ToString() => Format();
}
