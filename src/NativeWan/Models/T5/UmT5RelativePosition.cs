namespace NativeWan.Models.T5;

/// <summary>
/// T5 bidirectional relative-position buckets (spec §6.1; official <c>T5RelativeEmbedding._relative_position_bucket</c>
/// with <c>bidirectional=True</c>).
/// </summary>
public static class UmT5RelativePosition
{
    /// <summary>
    /// Bucket of the relative position <c>rel = key − query</c>. With h = numBuckets/2 and e = h/2:
    /// base = h if rel &gt; 0 else 0; n = |rel|; bucket = base + n when n &lt; e, otherwise
    /// base + min(h − 1, e + trunc(ln(n/e) / ln(maxDistance/e) · (h − e))). The logarithm is evaluated in float32 as
    /// the official code does (for |rel| ≤ 511 float32 and float64 give the same buckets).
    /// </summary>
    /// <param name="relativePosition">key index − query index.</param>
    /// <param name="numBuckets">Total buckets for both directions (32 for umT5); at least 4.</param>
    /// <param name="maxDistance">Distance at which the last bucket starts (128); greater than numBuckets/4.</param>
    /// <exception cref="ArgumentOutOfRangeException">numBuckets &lt; 4 or maxDistance ≤ numBuckets/4.</exception>
    public static int Bucket(int relativePosition, int numBuckets, int maxDistance)
    {
        if (numBuckets < 4) throw new ArgumentOutOfRangeException(nameof(numBuckets), numBuckets, "at least 4 buckets are needed");
        int half = numBuckets / 2, maxExact = half / 2;
        if (maxDistance <= maxExact) throw new ArgumentOutOfRangeException(nameof(maxDistance), maxDistance, $"must exceed {maxExact}");
        int bucket = relativePosition > 0 ? half : 0;
        int n = Math.Abs(relativePosition);
        if (n < maxExact) return bucket + n;
        // float32 as torch: log(n.float() / max_exact) / math.log(max_dist / max_exact) * (num_buckets - max_exact), then .long()
        float logRatio = (float)Math.Log((float)n / maxExact);
        float scaled = logRatio / (float)Math.Log((double)maxDistance / maxExact) * (half - maxExact);
        int large = maxExact + (int)scaled;
        return bucket + Math.Min(large, half - 1);
    }

    /// <summary>Bucket for every (query i, key j) pair: row-major [queries, keys], entry = Bucket(j − i).</summary>
    public static int[] BucketMatrix(int queries, int keys, int numBuckets, int maxDistance)
    {
        // Buckets depend only on j − i: compute each difference once.
        var byRel = new int[queries + keys - 1];
        for (int r = 0; r < byRel.Length; r++) byRel[r] = Bucket(r - (queries - 1), numBuckets, maxDistance);
        var m = new int[queries * keys];
        for (int i = 0; i < queries; i++)
            for (int j = 0; j < keys; j++) m[i * keys + j] = byRel[j - i + queries - 1];
        return m;
    }
}
