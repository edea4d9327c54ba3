namespace NativeWan.Data;

/// <summary>A batch bucket: items of one dataset with equal key are batched together (musubi's (W, H, F) key; F = 1 for images).</summary>
public readonly record struct BucketKey(int Width, int Height, int Frames) : IComparable<BucketKey>
{
    public int CompareTo(BucketKey o) =>
        Width != o.Width ? Width.CompareTo(o.Width) : Height != o.Height ? Height.CompareTo(o.Height) : Frames.CompareTo(o.Frames);

    public override string ToString() => $"{Width}x{Height}x{Frames}";
}

/// <summary>
/// One training item: an image, or one frame window of a video (musubi caches each window as its own item).
/// </summary>
/// <param name="DatasetIndex">Index of the <see cref="DatasetEntry"/> it belongs to.</param>
/// <param name="Kind">Image or video.</param>
/// <param name="MediaPath">Absolute path of the media file.</param>
/// <param name="Caption">Caption text, trimmed (empty when the caption file is missing).</param>
/// <param name="OriginalSize">Stored size of the picture / first frame (display orientation).</param>
/// <param name="Bucket">Size the item is resized and center-cropped to.</param>
/// <param name="Window">The frame window in training-frame indices (after <c>source_fps</c> resampling); (0, 1) for images.</param>
/// <param name="SourceFrameIndices">Decoder frame indices of the window's frames, ascending, length = <c>Window.Count</c>; [0] for images.</param>
/// <param name="Repeats">How many times the item counts per epoch (<c>num_repeats</c>).</param>
public sealed record DatasetItem(
    int DatasetIndex,
    DatasetKind Kind,
    string MediaPath,
    string Caption,
    Resolution OriginalSize,
    Resolution Bucket,
    FrameWindow Window,
    IReadOnlyList<int> SourceFrameIndices,
    int Repeats)
{
    /// <summary>Number of frames (1 for images).</summary>
    public int Frames => Window.Count;

    /// <summary>The (W, H, F) batch bucket.</summary>
    public BucketKey Key => new(Bucket.Width, Bucket.Height, Frames);

    /// <summary>
    /// musubi's item key: the file stem for images, <c>stem_SSSSS-FFF</c> (window start, 5 digits; frames, 3 digits) for
    /// video windows — the stem of its cache file names.
    /// </summary>
    public string ItemKey
    {
        get
        {
            var stem = Path.GetFileNameWithoutExtension(MediaPath);
            return Kind == DatasetKind.Image ? stem : $"{stem}_{Window.Start:D5}-{Window.Count:D3}";
        }
    }
}
