namespace NativeWan.Data;

/// <summary>Resampling filters of <see cref="ImageResize"/>.</summary>
public enum ResizeFilter
{
    /// <summary>
    /// Pixel-area averaging (OpenCV <c>INTER_AREA</c> for downscaling): each output pixel is the mean of the source
    /// area it covers, partially covered source pixels weighted by the covered fraction. When enlarging an axis it
    /// falls back to <see cref="Bilinear"/>, as OpenCV does.
    /// </summary>
    Area,
    /// <summary>Triangle filter on pixel centres (support 1, widened by the scale when shrinking, like PIL's BILINEAR).</summary>
    Bilinear,
    /// <summary>Lanczos, a = 3 (PIL's <c>LANCZOS</c>): sinc(x)·sinc(x/3), support 3 widened by the scale when shrinking, weights normalised per pixel, edges clamped.</summary>
    Lanczos3,
}

/// <summary>
/// Separable resampling of <see cref="RgbImage"/>s in float with one rounding at the end, and musubi-tuner's
/// "cover the bucket, then center-crop" (<c>resize_image_to_bucket</c> in dataset/media_utils.py).
/// </summary>
public static class ImageResize
{
    /// <summary>
    /// musubi-tuner's <c>resize_image_to_bucket</c>: scale = max(bw/w, bh/h); the picture is resized to
    /// (⌊w·scale + ½⌋, ⌊h·scale + ½⌋) — Lanczos3 when scale &gt; 1 (PIL LANCZOS), pixel-area otherwise (cv2 INTER_AREA) —
    /// then cropped to the bucket at offset (⌊(rw − bw)/2⌋, ⌊(rh − bh)/2⌋). Only the cropped region is computed.
    /// A picture already at the bucket size is returned as is (same instance).
    /// Differences from musubi: float intermediates with one final rounding (PIL rounds after each pass), so values may
    /// differ by ±1.
    /// </summary>
    /// <exception cref="ArgumentException">Non-positive bucket size.</exception>
    public static RgbImage ResizeToBucket(RgbImage image, Resolution bucket)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (bucket.Width <= 0 || bucket.Height <= 0) throw new ArgumentException($"bucket size must be positive, got {bucket}");
        if (image.Width == bucket.Width && image.Height == bucket.Height) return image;
        var (rw, rh, left, top) = CoverGeometry(image.Width, image.Height, bucket);
        double scale = Math.Max((double)bucket.Width / image.Width, (double)bucket.Height / image.Height);
        var filter = scale > 1 ? ResizeFilter.Lanczos3 : ResizeFilter.Area;
        return ResizeRegion(image, rw, rh, left, top, bucket.Width, bucket.Height, filter);
    }

    /// <summary>
    /// The intermediate size (rw, rh) and crop offsets (left, top) <see cref="ResizeToBucket"/> uses for a
    /// <paramref name="width"/>×<paramref name="height"/> picture.
    /// </summary>
    public static (int ResizedWidth, int ResizedHeight, int Left, int Top) CoverGeometry(int width, int height, Resolution bucket)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"image size must be positive, got {width}x{height}");
        double scale = Math.Max((double)bucket.Width / width, (double)bucket.Height / height);
        int rw = (int)(width * scale + 0.5), rh = (int)(height * scale + 0.5);
        rw = Math.Max(rw, bucket.Width);
        rh = Math.Max(rh, bucket.Height);
        return (rw, rh, (rw - bucket.Width) / 2, (rh - bucket.Height) / 2);
    }

    /// <summary>Resizes the whole picture to <paramref name="width"/>×<paramref name="height"/>.</summary>
    /// <exception cref="ArgumentException">Non-positive target size.</exception>
    public static RgbImage Resize(RgbImage image, int width, int height, ResizeFilter filter)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (width <= 0 || height <= 0) throw new ArgumentException($"target size must be positive, got {width}x{height}");
        return ResizeRegion(image, width, height, 0, 0, width, height, filter);
    }

    /// <summary>
    /// Computes the window [left, left+outW) × [top, top+outH) of the picture resized to
    /// <paramref name="fullWidth"/>×<paramref name="fullHeight"/>: identical to resizing then cropping, at the cost of
    /// the window only.
    /// </summary>
    /// <exception cref="ArgumentException">A window outside the resized picture.</exception>
    public static RgbImage ResizeRegion(RgbImage image, int fullWidth, int fullHeight, int left, int top, int outWidth, int outHeight, ResizeFilter filter)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (fullWidth <= 0 || fullHeight <= 0 || outWidth <= 0 || outHeight <= 0 || left < 0 || top < 0
            || left + outWidth > fullWidth || top + outHeight > fullHeight)
            throw new ArgumentException($"window {outWidth}x{outHeight}+{left}+{top} does not lie inside the resized {fullWidth}x{fullHeight} picture");

        var xs = Weights.Build(image.Width, fullWidth, left, outWidth, filter);
        var ys = Weights.Build(image.Height, fullHeight, top, outHeight, filter);

        // source rows the vertical pass needs
        int rowLo = ys.MinSource, rowHi = ys.MaxSource; // inclusive
        int rows = rowHi - rowLo + 1;
        long tmpLen = (long)rows * outWidth * 3;
        if (tmpLen > Array.MaxLength) throw new ArgumentException($"resize window {outWidth}x{rows} is too large");
        var tmp = new float[tmpLen];
        var src = image.Rgb;
        int srcW = image.Width;

        // horizontal pass: source rows rowLo..rowHi → tmp[rows, outWidth, 3]
        Parallel.For(0, rows, ParallelFor(rows * outWidth), r =>
        {
            int srcRow = (rowLo + r) * srcW * 3;
            int dst = r * outWidth * 3;
            for (int x = 0; x < outWidth; x++)
            {
                int start = xs.Start[x], cnt = xs.Count[x], wo = xs.Offset[x];
                float a0 = 0, a1 = 0, a2 = 0;
                int p = srcRow + start * 3;
                for (int k = 0; k < cnt; k++, p += 3)
                {
                    float w = xs.W[wo + k];
                    a0 += w * src[p];
                    a1 += w * src[p + 1];
                    a2 += w * src[p + 2];
                }
                tmp[dst++] = a0;
                tmp[dst++] = a1;
                tmp[dst++] = a2;
            }
        });

        // vertical pass: tmp → output bytes
        var output = new byte[checked(outWidth * outHeight * 3)];
        int rowLen = outWidth * 3;
        Parallel.For(0, outHeight, ParallelFor(outHeight * outWidth), y =>
        {
            int start = ys.Start[y] - rowLo, cnt = ys.Count[y], wo = ys.Offset[y];
            var acc = new float[rowLen];
            for (int k = 0; k < cnt; k++)
            {
                float w = ys.W[wo + k];
                int t = (start + k) * rowLen;
                for (int i = 0; i < rowLen; i++) acc[i] += w * tmp[t + i];
            }
            int o = y * rowLen;
            for (int i = 0; i < rowLen; i++)
            {
                float v = acc[i] + 0.5f;
                output[o + i] = v <= 0 ? (byte)0 : v >= 255 ? (byte)255 : (byte)(int)v;
            }
        });
        return new RgbImage(outWidth, outHeight, output);
    }

    static ParallelOptions ParallelFor(long work) =>
        new() { MaxDegreeOfParallelism = work < 65536 ? 1 : Environment.ProcessorCount };

    /// <summary>Per-output-pixel source spans and normalised weights along one axis.</summary>
    internal sealed class Weights
    {
        public int[] Start = [], Count = [], Offset = [];
        public float[] W = [];
        public int MinSource, MaxSource;

        /// <summary>Weights for outputs [first, first+count) of an axis resized from <paramref name="inSize"/> to <paramref name="outSize"/>.</summary>
        public static Weights Build(int inSize, int outSize, int first, int count, ResizeFilter filter)
        {
            var res = new Weights { Start = new int[count], Count = new int[count], Offset = new int[count] };
            var all = new List<float>(count * 8);
            double scale = (double)inSize / outSize; // source pixels per output pixel
            var tmp = new List<double>();
            res.MinSource = int.MaxValue;
            res.MaxSource = int.MinValue;
            for (int i = 0; i < count; i++)
            {
                int x = first + i;
                tmp.Clear();
                int lo;
                if (filter == ResizeFilter.Area && scale >= 1)
                    lo = AreaSpan(x, scale, inSize, tmp);
                else
                    lo = KernelSpan(x, scale, inSize, filter == ResizeFilter.Lanczos3 ? 3.0 : 1.0, filter == ResizeFilter.Lanczos3, tmp);
                // trim zero weights at both ends
                int a = 0, b = tmp.Count;
                while (a < b && tmp[a] == 0) a++;
                while (b > a && tmp[b - 1] == 0) b--;
                if (a == b) { tmp.Clear(); tmp.Add(1); a = 0; b = 1; lo = Math.Clamp((int)((x + 0.5) * scale), 0, inSize - 1); }
                double sum = 0;
                for (int k = a; k < b; k++) sum += tmp[k];
                res.Start[i] = lo + a;
                res.Count[i] = b - a;
                res.Offset[i] = all.Count;
                for (int k = a; k < b; k++) all.Add((float)(tmp[k] / sum));
                res.MinSource = Math.Min(res.MinSource, lo + a);
                res.MaxSource = Math.Max(res.MaxSource, lo + b - 1);
            }
            res.W = all.ToArray();
            return res;
        }

        /// <summary>Overlap of source pixel [j, j+1) with the output cell [x·s, (x+1)·s) ∩ [0, in); overlaps ≤ 1e-3 dropped (OpenCV's tolerance).</summary>
        static int AreaSpan(int x, double s, int inSize, List<double> w)
        {
            double a = x * s, b = Math.Min((x + 1) * s, inSize);
            int lo = Math.Max(0, (int)Math.Floor(a));
            int hi = Math.Min(inSize, (int)Math.Ceiling(b)); // exclusive
            for (int j = lo; j < hi; j++)
            {
                double ov = Math.Min(j + 1, b) - Math.Max(j, a);
                w.Add(ov > 1e-3 ? ov : 0);
            }
            return lo;
        }

        /// <summary>PIL-style convolution: centre (x+½)·s, support × max(s, 1), taps at source centres, clamped to the image.</summary>
        static int KernelSpan(int x, double s, int inSize, double support, bool lanczos, List<double> w)
        {
            double fs = Math.Max(s, 1.0);
            double sup = support * fs;
            double center = (x + 0.5) * s;
            int lo = Math.Max((int)(center - sup + 0.5), 0);
            int hi = Math.Min((int)(center + sup + 0.5), inSize);
            for (int j = lo; j < hi; j++)
            {
                double t = (j - center + 0.5) / fs;
                w.Add(lanczos ? Lanczos3(t) : Math.Max(0, 1 - Math.Abs(t)));
            }
            return lo;
        }

        static double Lanczos3(double t)
        {
            if (t <= -3 || t >= 3) return 0;
            return Sinc(t) * Sinc(t / 3);
        }

        static double Sinc(double t)
        {
            if (t == 0) return 1;
            t *= Math.PI;
            return Math.Sin(t) / t;
        }
    }
}
