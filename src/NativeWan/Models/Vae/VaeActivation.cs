namespace NativeWan.Models.Vae;

/// <summary>
/// Internal activation of one temporal chunk, channel-last: <c>[T, H, W, C]</c>, element (t, y, x, c) at
/// <c>((t·H + y)·W + x)·C + c</c>. Channel-last makes every convolution an im2col of contiguous channel vectors and a
/// GEMM whose output rows are already the next layer's pixels, and makes the per-position RMS norm a contiguous
/// reduction.
/// </summary>
internal sealed class VaeActivation(float[] data, int t, int h, int w, int c)
{
    public float[] Data { get; } = data;
    public int T { get; } = t;
    public int H { get; } = h;
    public int W { get; } = w;
    public int C { get; } = c;

    /// <summary>Floats per frame (H·W·C).</summary>
    public int FrameSize => H * W * C;

    /// <summary>Pixels per frame (H·W).</summary>
    public int Pixels => H * W;

    /// <summary>Total floats (T·H·W·C).</summary>
    public long Length => (long)T * FrameSize;

    /// <summary>Frame <paramref name="index"/> as a conv input.</summary>
    public FrameRef Frame(int index) => new(Data, index * FrameSize, C);

    /// <summary>Frame <paramref name="index"/> as a span.</summary>
    public Span<float> FrameSpan(int index) => Data.AsSpan(index * FrameSize, FrameSize);
}

/// <summary>
/// One input frame of a convolution: pixel (y, x) channel c is <c>Data[Offset + (y·W + x)·PixelStride + c]</c>.
/// A null <see cref="Data"/> is an all-zero frame (causal time padding). PixelStride &gt; C lets a conv read a channel
/// slice of a wider tensor without copying (the decoder's temporal upsample output).
/// </summary>
internal readonly record struct FrameRef(float[]? Data, int Offset, int PixelStride)
{
    public bool IsZero => Data is null;
}
