using NativeWan.IO;
using NativeWan.Models.Vae;

namespace NativeWan.Tests.Models.Vae;

/// <summary>Loads golden <c>vae.safetensors</c> tensors and compares results with the suggested tolerance.</summary>
internal static class VaeTestData
{
    public static string FilePath => Golden.Path("vae.safetensors");

    static readonly Lazy<WanVae> s_vae = new(() => { using var f = TensorFiles.Open(FilePath); return WanVae.Load(f); });

    /// <summary>The golden VAE, loaded once (immutable, thread-safe).</summary>
    public static WanVae Vae => s_vae.Value;

    /// <summary>
    /// A golden [.., C, T, H, W] tensor as a <see cref="VaeTensor"/>; leading dimensions must be 1 (batch).
    /// Sizes come from the file.
    /// </summary>
    public static VaeTensor Read(ITensorSource f, string name)
    {
        var info = f.Get(name);
        var s = info.Shape;
        Assert.True(s.Length >= 4, $"{name}: expected at least 4 dims, got {info.ShapeText}");
        for (int i = 0; i < s.Length - 4; i++) Assert.Equal(1, s[i]);
        int n = s.Length;
        return new VaeTensor(f.ReadFloat32(name), (int)s[n - 4], (int)s[n - 3], (int)s[n - 2], (int)s[n - 1]);
    }

    /// <summary>
    /// Asserts |a − ref| ≤ 1e-4 · max(1, max|ref|) element-wise and equal shapes; returns the max abs error.
    /// </summary>
    public static double AssertClose(VaeTensor actual, VaeTensor expected, string what, double rel = 1e-4)
    {
        Assert.True(actual.ShapeText == expected.ShapeText, $"{what}: shape {actual.ShapeText}, expected {expected.ShapeText}");
        return AssertClose(actual.Data, expected.Data, what, rel);
    }

    public static double AssertClose(ReadOnlySpan<float> a, ReadOnlySpan<float> e, string what, double rel = 1e-4)
    {
        Assert.Equal(e.Length, a.Length);
        double maxRef = 0, maxErr = 0;
        int worst = -1;
        for (int i = 0; i < e.Length; i++)
        {
            maxRef = Math.Max(maxRef, Math.Abs(e[i]));
            double d = Math.Abs((double)a[i] - e[i]);
            if (!(d <= maxErr)) { maxErr = d; worst = i; }
        }
        double tol = rel * Math.Max(1, maxRef);
        Assert.True(maxErr <= tol, $"{what}: max |err| {maxErr:g4} at {worst} (got {(worst >= 0 ? a[worst] : 0)}, expected {(worst >= 0 ? e[worst] : 0)}) > tol {tol:g4}");
        return maxErr;
    }

    /// <summary>Channels [c0, c0 + count) of a [C, T, H, W] tensor.</summary>
    public static VaeTensor Channels(VaeTensor t, int c0, int count)
    {
        int per = t.Frames * t.Height * t.Width;
        return new VaeTensor(t.Data.AsSpan(c0 * per, count * per).ToArray(), count, t.Frames, t.Height, t.Width);
    }
}
