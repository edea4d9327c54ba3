namespace NativeWan.Data;

/// <summary>A VAE input clip: float32 in [-1, 1], layout [3, F, H, W] (F = 1 for images).</summary>
public sealed record VaeInput(float[] Data, int Frames, int Height, int Width)
{
    /// <summary>Always 3 (RGB).</summary>
    public int Channels => 3;
}

/// <summary>
/// Decodes a <see cref="DatasetItem"/> and brings it to its bucket: each picture/frame is resized to cover the bucket
/// and center-cropped (<see cref="ImageResize.ResizeToBucket"/>), then converted with <see cref="MediaTensor"/>.
/// Video frames are streamed from ffmpeg; only the item's frames are kept.
/// </summary>
public static class DatasetItemLoader
{
    /// <summary>The item's frames at bucket size (one for images).</summary>
    /// <exception cref="MediaException">Decoding failed, or the video has fewer frames than the item needs.</exception>
    public static IReadOnlyList<RgbImage> LoadFrames(DatasetItem item, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.Kind == DatasetKind.Image)
            return [ImageResize.ResizeToBucket(ImageDecoder.Decode(item.MediaPath, timeout, ct), item.Bucket)];

        var wanted = item.SourceFrameIndices;
        if (wanted.Count == 0) throw new ArgumentException($"{item.MediaPath}: item has no frames");
        var frames = new List<RgbImage>(wanted.Count);
        int p = 0, last = wanted[^1];
        int decoded = VideoDecoder.ForEachFrame(item.MediaPath, (i, frame) =>
        {
            if (p < wanted.Count && wanted[p] == i)
            {
                var resized = ImageResize.ResizeToBucket(frame, item.Bucket);
                while (p < wanted.Count && wanted[p] == i) { frames.Add(resized); p++; }
            }
            return p < wanted.Count;
        }, null, last + 1, timeout, ct);
        if (p < wanted.Count)
            throw new MediaException(item.MediaPath, $"video ended after {decoded} decoded frames; item {item.ItemKey} needs frame {wanted[p]}");
        return frames;
    }

    /// <summary>The item as VAE input [3, F, H, W] in [-1, 1].</summary>
    /// <exception cref="MediaException">Decoding failed, or the video has fewer frames than the item needs.</exception>
    public static VaeInput Load(DatasetItem item, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        var frames = LoadFrames(item, timeout, ct);
        return new VaeInput(MediaTensor.ToCfhw(frames), frames.Count, item.Bucket.Height, item.Bucket.Width);
    }
}
