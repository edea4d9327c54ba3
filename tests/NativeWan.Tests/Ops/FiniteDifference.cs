namespace NativeWan.Tests.Ops;

/// <summary>Random test data and central finite differences in float64.</summary>
internal static class FiniteDifference
{
    public static float[] Randn(Random rng, int n, double std = 1, double mean = 0)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
            a[i] = (float)(mean + std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return a;
    }

    public static double[] D(float[] a) => Array.ConvertAll(a, v => (double)v);

    public static double Dot(double[] a, float[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>
    /// Compares an analytic float32 gradient with central differences of the float64 scalar function
    /// <paramref name="f"/> at <paramref name="x"/> (h = 1e-5), on all elements or a random subset of
    /// <paramref name="samples"/>. Asserts max|analytic − fd| ≤ tol · max|analytic| and returns that ratio.
    /// </summary>
    public static double Check(string name, float[] analytic, double[] x, Func<double[], double> f, Random rng,
        int samples = int.MaxValue, double tol = 1e-4, double h = 1e-5)
    {
        Assert.Equal(x.Length, analytic.Length);
        var idx = Enumerable.Range(0, x.Length).ToArray();
        if (samples < x.Length) { rng.Shuffle(idx); idx = idx[..samples]; }
        double scale = analytic.Max(v => Math.Abs((double)v));
        Assert.True(scale > 0, $"{name}: analytic gradient is all zero");
        double err = 0;
        foreach (int i in idx)
        {
            double keep = x[i];
            x[i] = keep + h; double fp = f(x);
            x[i] = keep - h; double fm = f(x);
            x[i] = keep;
            double fd = (fp - fm) / (2 * h);
            err = Math.Max(err, Math.Abs(fd - analytic[i]));
        }
        Assert.True(err <= tol * scale, $"{name}: finite-difference mismatch {err:E3} > {tol}·{scale:E3}");
        return err / scale;
    }

    /// <summary>max|a − b| ≤ tol · max(1e-30, max|b|).</summary>
    public static void Close(string name, float[] a, double[] b, double tol)
    {
        Assert.Equal(b.Length, a.Length);
        double err = 0, scale = 0;
        for (int i = 0; i < a.Length; i++) { err = Math.Max(err, Math.Abs(a[i] - b[i])); scale = Math.Max(scale, Math.Abs(b[i])); }
        Assert.True(scale > 0, $"{name}: reference is all zero");
        Assert.True(err <= tol * scale, $"{name}: max error {err:E3} > {tol}·{scale:E3}");
    }
}
