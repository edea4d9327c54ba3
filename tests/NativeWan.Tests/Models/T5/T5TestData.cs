using NativeWan.IO;
using NativeWan.Models.T5;

namespace NativeWan.Tests.Models.T5;

/// <summary>Shared access to golden <c>t5.safetensors</c> and comparison helpers.</summary>
internal static class T5TestData
{
    public static string GoldenFile => Golden.Path("t5.safetensors");

    public static ITensorSource Open() => TensorFiles.Open(GoldenFile);

    /// <summary>in.ids / in.mask of batch row 0 as int[].</summary>
    public static (int[] ids, int[] mask) Inputs(ITensorSource g)
    {
        var ids = g.ReadInt64("in.ids").Select(v => checked((int)v)).ToArray();
        var mask = g.ReadInt64("in.mask").Select(v => checked((int)v)).ToArray();
        Assert.Equal(ids.Length, mask.Length);
        return (ids, mask);
    }

    public static float MaxAbs(ReadOnlySpan<float> a)
    {
        float m = 0;
        foreach (var v in a) m = MathF.Max(m, MathF.Abs(v));
        return m;
    }

    public static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        float m = 0;
        for (int i = 0; i < a.Length; i++)
        {
            float d = MathF.Abs(a[i] - b[i]);
            if (float.IsNaN(d)) return float.NaN;
            m = MathF.Max(m, d);
        }
        return m;
    }

    /// <summary>Asserts max|a − ref| ≤ rel · max|ref| and returns the error.</summary>
    public static float AssertClose(ReadOnlySpan<float> actual, ReadOnlySpan<float> reference, float rel, string what)
    {
        float err = MaxAbsDiff(actual, reference), scale = MaxAbs(reference);
        Assert.True(scale > 0, $"{what}: reference is all zero");
        Assert.True(err <= rel * scale, $"{what}: max abs error {err:E3} exceeds {rel:E1} x max|ref| {scale:E3}");
        return err;
    }
}
