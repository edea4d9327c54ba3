namespace NativeWan.Data;

/// <summary>
/// Aspect-ratio buckets exactly as musubi-tuner's <c>BucketSelector</c> (dataset/bucket.py) with Wan's 16-px step.
/// <list type="bullet">
/// <item><c>enable_bucket = false</c>: one bucket, the target resolution itself; <c>bucket_no_upscale</c> is ignored.</item>
/// <item>Otherwise, with A = W·H and s = ⌊√A⌋: for w = m, m+16, …, up to s+15 where m = ⌊(s div 2)/16⌋·16, the bucket
/// (w, h) and its transpose (h, w) with h = ⌊(A div w)/16⌋·16; duplicates removed, sorted by (w, h). An image goes to the
/// first bucket (in that order) whose w/h is nearest its own aspect ratio.</item>
/// <item><c>bucket_no_upscale</c>: an image whose area is ≤ A keeps its size, floored to multiples of 16 per side.</item>
/// </list>
/// Every bucket has area ≤ A; the picture is then resized to cover the bucket and center-cropped
/// (<see cref="ImageResize.ResizeToBucket"/>).
/// </summary>
public sealed class BucketSelector
{
    /// <summary>Bucket side step for Wan (VAE stride 8 × patch 2).</summary>
    public const int ResolutionStep = 16;

    /// <summary>The target resolution (W, H).</summary>
    public Resolution Resolution { get; }
    /// <summary>Whether aspect-ratio bucketing is on.</summary>
    public bool EnableBucket { get; }
    /// <summary>Effective no-upscale flag (false when bucketing is off, as in musubi).</summary>
    public bool NoUpscale { get; }
    /// <summary>The bucket list, sorted by (width, height).</summary>
    public IReadOnlyList<Resolution> Buckets { get; }

    readonly double[] _aspect;

    /// <exception cref="ArgumentException">Non-positive resolution, or one too small to hold a 16-px bucket grid (√(W·H) &lt; 32) with bucketing on.</exception>
    public BucketSelector(Resolution resolution, bool enableBucket = true, bool noUpscale = false)
    {
        if (resolution.Width <= 0 || resolution.Height <= 0)
            throw new ArgumentException($"resolution must be positive, got {resolution}");
        Resolution = resolution;
        EnableBucket = enableBucket;
        if (!enableBucket)
        {
            Buckets = [resolution];
            NoUpscale = false;
        }
        else
        {
            NoUpscale = noUpscale;
            long area = resolution.Area;
            int sqrt = (int)Math.Sqrt(area);
            // guard float sqrt rounding for huge areas (Python's int(math.sqrt()) is the same double sqrt)
            int min = FloorTo(sqrt / 2, ResolutionStep);
            if (min <= 0)
                throw new ArgumentException($"resolution {resolution} is too small for {ResolutionStep}-px buckets (needs W·H ≥ 1024)");
            var set = new HashSet<Resolution>();
            for (int w = min; w < sqrt + ResolutionStep; w += ResolutionStep)
            {
                int h = FloorTo((int)(area / w), ResolutionStep);
                set.Add(new Resolution(w, h));
                set.Add(new Resolution(h, w));
            }
            var list = set.ToList();
            list.Sort();
            Buckets = list;
        }
        _aspect = Buckets.Select(b => (double)b.Width / b.Height).ToArray();
    }

    /// <summary>The bucket for a picture of the given size (width, height).</summary>
    /// <exception cref="ArgumentException">Non-positive size, or (no-upscale) a side under 16 px.</exception>
    public Resolution Select(int width, int height)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"image size must be positive, got {width}x{height}");
        long area = (long)width * height;
        if (NoUpscale && area <= Resolution.Area)
        {
            var r = new Resolution(FloorTo(width, ResolutionStep), FloorTo(height, ResolutionStep));
            if (r.Width == 0 || r.Height == 0)
                throw new ArgumentException($"image {width}x{height} is smaller than {ResolutionStep} px on a side; bucket_no_upscale cannot keep it");
            return r;
        }
        double ar = (double)width / height;
        int best = 0;
        double bestErr = double.PositiveInfinity;
        for (int i = 0; i < _aspect.Length; i++)
        {
            double e = Math.Abs(_aspect[i] - ar);
            if (e < bestErr) { bestErr = e; best = i; } // first minimum wins, like numpy argmin
        }
        return Buckets[best];
    }

    /// <summary>The bucket for a picture of the given size.</summary>
    public Resolution Select(Resolution size) => Select(size.Width, size.Height);

    static int FloorTo(int v, int step) => v - v % step;
}
