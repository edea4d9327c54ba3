namespace NativeWan.Generation;

/// <summary>
/// PyTorch's <c>F.interpolate(x, size=(h, w), mode='bicubic', align_corners=False)</c> (no antialias) on float planes,
/// as the official I2V pipeline resizes the start image (spec 3.1): source coordinate
/// <c>s = (in/out)·(dst + ½) − ½</c> (not clamped), taps at ⌊s⌋−1 … ⌊s⌋+2 clamped to the edge, Keys cubic kernel with
/// A = −0.75. Values are not clamped (overshoot beyond [−1, 1] is kept, as in the official code). Float32 arithmetic.
/// </summary>
public static class BicubicResize
{
    const float A = -0.75f;

    /// <summary>Resizes <paramref name="planes"/> [C, inH, inW] to [C, outH, outW].</summary>
    /// <exception cref="ArgumentException">A non-positive size or a source of the wrong length.</exception>
    public static float[] Resize(ReadOnlySpan<float> planes, int channels, int inHeight, int inWidth, int outHeight, int outWidth)
    {
        if (channels <= 0 || inHeight <= 0 || inWidth <= 0 || outHeight <= 0 || outWidth <= 0)
            throw new ArgumentException($"bicubic resize of [{channels}, {inHeight}, {inWidth}] to {outWidth}x{outHeight}: sizes must be positive");
        if (planes.Length != (long)channels * inHeight * inWidth)
            throw new ArgumentException($"source has {planes.Length} floats, [{channels}, {inHeight}, {inWidth}] needs {(long)channels * inHeight * inWidth}");
        var (xi, xw) = Taps(inWidth, outWidth);
        var (yi, yw) = Taps(inHeight, outHeight);
        var dst = new float[(long)channels * outHeight * outWidth];
        var row = new float[outWidth * 4];   // horizontally filtered values of the 4 source rows
        for (int c = 0; c < channels; c++)
        {
            var src = planes.Slice(c * inHeight * inWidth, inHeight * inWidth);
            for (int oy = 0; oy < outHeight; oy++)
            {
                for (int k = 0; k < 4; k++)
                {
                    var line = src.Slice(yi[oy * 4 + k] * inWidth, inWidth);
                    for (int ox = 0; ox < outWidth; ox++)
                    {
                        int b = ox * 4;
                        row[k * outWidth + ox] = line[xi[b]] * xw[b] + line[xi[b + 1]] * xw[b + 1] + line[xi[b + 2]] * xw[b + 2] + line[xi[b + 3]] * xw[b + 3];
                    }
                }
                int o = (c * outHeight + oy) * outWidth, wb = oy * 4;
                for (int ox = 0; ox < outWidth; ox++)
                    dst[o + ox] = row[ox] * yw[wb] + row[outWidth + ox] * yw[wb + 1] + row[2 * outWidth + ox] * yw[wb + 2] + row[3 * outWidth + ox] * yw[wb + 3];
            }
        }
        return dst;
    }

    /// <summary>Per output index: 4 clamped source indices and their cubic weights.</summary>
    static (int[] Index, float[] Weight) Taps(int inSize, int outSize)
    {
        var idx = new int[outSize * 4];
        var w = new float[outSize * 4];
        float scale = (float)inSize / outSize;
        for (int o = 0; o < outSize; o++)
        {
            float real = scale * (o + 0.5f) - 0.5f;
            int i0 = (int)MathF.Floor(real);
            float t = real - i0;
            w[o * 4] = Cubic2(t + 1f);
            w[o * 4 + 1] = Cubic1(t);
            w[o * 4 + 2] = Cubic1(1f - t);
            w[o * 4 + 3] = Cubic2(2f - t);
            for (int k = 0; k < 4; k++) idx[o * 4 + k] = Math.Clamp(i0 - 1 + k, 0, inSize - 1);
        }
        return (idx, w);
    }

    /// <summary>Keys kernel for |x| ≤ 1: ((A + 2)x − (A + 3))x² + 1.</summary>
    static float Cubic1(float x) => ((A + 2) * x - (A + 3)) * x * x + 1;

    /// <summary>Keys kernel for 1 &lt; |x| &lt; 2: ((Ax − 5A)x + 8A)x − 4A.</summary>
    static float Cubic2(float x) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
}
