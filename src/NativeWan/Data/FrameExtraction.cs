namespace NativeWan.Data;

/// <summary>musubi-tuner's <c>frame_extraction</c> modes (docs/dataset_config.md).</summary>
public enum FrameExtractionMode
{
    /// <summary>The first N frames, for each N in target_frames.</summary>
    Head,
    /// <summary>Consecutive non-overlapping N-frame chunks from frame 0 (a partial last chunk is dropped).</summary>
    Chunk,
    /// <summary>N-frame windows starting every <c>frame_stride</c> frames.</summary>
    Slide,
    /// <summary><c>frame_sample</c> N-frame windows with starts spread evenly over [0, frames − N].</summary>
    Uniform,
    /// <summary>The whole clip, cut to min(frames, max_frames) rounded down to 4n+1.</summary>
    Full,
}

/// <summary>A run of consecutive frames: indices Start … Start + Count − 1.</summary>
public readonly record struct FrameWindow(int Start, int Count)
{
    /// <summary>The frame indices of the window.</summary>
    public IEnumerable<int> Indices() => Enumerable.Range(Start, Count);

    public override string ToString() => $"[{Start}, {Start + Count})";
}

/// <summary>
/// Pure frame-index arithmetic of musubi-tuner's video datasets (dataset/image_video_dataset.py,
/// <c>VideoDataset.retrieve_latent_cache_batches</c> and media_utils.py <c>load_video</c>).
/// </summary>
public static class FrameExtraction
{
    /// <summary>Wan's training frame rate (musubi <c>TARGET_FPS_WAN</c>).</summary>
    public const double WanFps = 16.0;

    /// <summary>The VAE's temporal stride: clip lengths must be 4n + 1.</summary>
    public const int VaeFrameStride = 4;

    /// <summary>musubi's <c>max_frames</c> default.</summary>
    public const int DefaultMaxFrames = 129;

    /// <summary>Rounds a frame count down to 4n + 1: ⌊(f − 1)/4⌋·4 + 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="frames"/> &lt; 1.</exception>
    public static int RoundTo4NPlus1(int frames)
    {
        if (frames < 1) throw new ArgumentOutOfRangeException(nameof(frames), frames, "frame count must be at least 1");
        return (frames - 1) / VaeFrameStride * VaeFrameStride + 1;
    }

    /// <summary>target_frames as musubi uses them: each rounded down to 4n + 1, duplicates removed, ascending.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value &lt; 1.</exception>
    public static int[] NormalizeTargetFrames(IEnumerable<int> targetFrames)
    {
        ArgumentNullException.ThrowIfNull(targetFrames);
        return targetFrames.Select(RoundTo4NPlus1).Distinct().Order().ToArray();
    }

    /// <summary>
    /// The frame windows (start, length) musubi-tuner cuts from a clip of <paramref name="frameCount"/> frames, in its
    /// order (target sizes ascending, then starts ascending). <paramref name="targetFrames"/> is normalised with
    /// <see cref="NormalizeTargetFrames"/> first; <c>Uniform</c> with <paramref name="frameSample"/> = 1 behaves as
    /// <c>Head</c> (musubi switches the mode with a warning).
    /// <list type="bullet">
    /// <item>Head: (0, N) for each N ≤ frameCount.</item>
    /// <item>Chunk: (i, N) for i = 0, N, 2N, … while i + N ≤ frameCount (frame_stride is not used).</item>
    /// <item>Slide: (i, N) for i = 0, stride, 2·stride, … ≤ frameCount − N.</item>
    /// <item>Uniform: starts ⌊k·(frameCount − N)/(sample − 1)⌋ for k = 0 … sample − 1 (numpy <c>linspace(…, dtype=int)</c>, last = frameCount − N exactly), for each N ≤ frameCount; repeats are kept.</item>
    /// <item>Full: (0, RoundTo4NPlus1(min(frameCount, maxFrames))); target_frames is not used.</item>
    /// </list>
    /// A clip shorter than every target gives no windows. frameCount 0 gives none.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative frameCount, stride/sample/maxFrames &lt; 1, a target &lt; 1.</exception>
    public static IReadOnlyList<FrameWindow> Indices(FrameExtractionMode mode, int frameCount, IReadOnlyList<int> targetFrames,
        int frameStride = 1, int frameSample = 1, int maxFrames = DefaultMaxFrames)
    {
        ArgumentNullException.ThrowIfNull(targetFrames);
        if (frameCount < 0) throw new ArgumentOutOfRangeException(nameof(frameCount), frameCount, "frame count must be ≥ 0");
        if (frameStride < 1) throw new ArgumentOutOfRangeException(nameof(frameStride), frameStride, "frame_stride must be ≥ 1");
        if (frameSample < 1) throw new ArgumentOutOfRangeException(nameof(frameSample), frameSample, "frame_sample must be ≥ 1");
        if (maxFrames < 1) throw new ArgumentOutOfRangeException(nameof(maxFrames), maxFrames, "max_frames must be ≥ 1");
        var targets = NormalizeTargetFrames(targetFrames);
        if (mode == FrameExtractionMode.Uniform && frameSample == 1) mode = FrameExtractionMode.Head;

        var result = new List<FrameWindow>();
        if (frameCount == 0) return result;
        switch (mode)
        {
            case FrameExtractionMode.Head:
                foreach (var n in targets)
                    if (frameCount >= n) result.Add(new FrameWindow(0, n));
                break;
            case FrameExtractionMode.Chunk:
                foreach (var n in targets)
                    for (int i = 0; i + n <= frameCount; i += n) result.Add(new FrameWindow(i, n));
                break;
            case FrameExtractionMode.Slide:
                foreach (var n in targets)
                    if (frameCount >= n)
                        for (int i = 0; i <= frameCount - n; i += frameStride) result.Add(new FrameWindow(i, n));
                break;
            case FrameExtractionMode.Uniform:
                foreach (var n in targets)
                {
                    if (frameCount < n) continue;
                    foreach (var start in LinspaceInt(0, frameCount - n, frameSample)) result.Add(new FrameWindow(start, n));
                }
                break;
            case FrameExtractionMode.Full:
                result.Add(new FrameWindow(0, RoundTo4NPlus1(Math.Min(frameCount, maxFrames))));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown frame extraction mode");
        }
        return result;
    }

    /// <summary>
    /// numpy <c>linspace(start, stop, num, dtype=int)</c>: y_k = start + k·((stop − start)/(num − 1)) in double, the last
    /// value set to stop, then floored.
    /// </summary>
    internal static int[] LinspaceInt(int start, int stop, int num)
    {
        var y = new int[num];
        if (num == 1) { y[0] = start; return y; }
        double delta = stop - start;
        double step = delta / (num - 1);
        for (int k = 0; k < num; k++)
        {
            double v = step == 0 ? k / (double)(num - 1) * delta : k * step;
            y[k] = (int)Math.Floor(v + start);
        }
        y[num - 1] = stop;
        return y;
    }

    /// <summary>
    /// musubi-tuner's <c>source_fps</c> frame dropping (media_utils.py <c>load_video</c>): with d = targetFps/sourceFps,
    /// source frame i gets target index ⌊Σ_{k&lt;i} d⌋ (the running sum accumulated in double, as musubi does) and is
    /// kept only when that index differs from the previous kept frame's. Frames whose target index reaches
    /// <paramref name="endTargetIndex"/> end the clip. No frame is ever duplicated: with sourceFps &lt; targetFps every
    /// frame is kept (the clip then plays faster), as in musubi.
    /// </summary>
    /// <returns>Source frame indices of the kept frames, ascending; their position in the list is the training frame index.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Negative frame count or a non-positive rate.</exception>
    public static int[] ResampleSourceIndices(int sourceFrameCount, double sourceFps, double targetFps = WanFps, int? endTargetIndex = null)
    {
        if (sourceFrameCount < 0) throw new ArgumentOutOfRangeException(nameof(sourceFrameCount), sourceFrameCount, "frame count must be ≥ 0");
        if (!(sourceFps > 0) || !double.IsFinite(sourceFps)) throw new ArgumentOutOfRangeException(nameof(sourceFps), sourceFps, "source fps must be positive");
        if (!(targetFps > 0) || !double.IsFinite(targetFps)) throw new ArgumentOutOfRangeException(nameof(targetFps), targetFps, "target fps must be positive");
        double delta = targetFps / sourceFps;
        double acc = 0.0;
        long previous = -1;
        var kept = new List<int>();
        for (int i = 0; i < sourceFrameCount; i++)
        {
            long target = (long)acc;
            acc += delta;
            if (target == previous) continue;
            previous = target;
            if (endTargetIndex is { } end && target >= end) break;
            kept.Add(i);
        }
        return kept.ToArray();
    }
}
