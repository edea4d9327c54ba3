using NativeWan.Numerics;
using NativeWan.Ops.Cuda;

namespace NativeWan.Tests.Ops.Cuda;

public class ErrorMetricsTests
{
    [Fact]
    public void NmseIsErrorEnergyOverReferenceEnergy()
    {
        var s = ErrorMetrics.Compare(new[] { 1f, 2f, -3f }, new[] { 1f, 1f, -1f });
        Assert.Equal((0 + 1 + 4) / 3.0, s.Nmse, 12);       // Σ(a−r)² = 5, Σr² = 3
        Assert.Equal(2.0, s.MaxAbsError);
        Assert.Equal(3, s.Count);
        Assert.Equal(0, ErrorMetrics.Compare(new[] { 0.5f, -7f }, new[] { 0.5f, -7f }).Nmse);
        Assert.Equal(0, ErrorMetrics.Compare(new float[4], new float[4]).Nmse);
        Assert.Equal(double.PositiveInfinity, ErrorMetrics.Compare(new[] { 1e-30f }, new[] { 0f }).Nmse);
    }

    [Fact]
    public void NonFiniteResultsFailAndNonFiniteReferencesAreSkipped()
    {
        var s = ErrorMetrics.Compare(new[] { 1f, float.NaN, 3f }, new[] { 1f, 2f, 3f });
        Assert.Equal(double.PositiveInfinity, s.Nmse);
        Assert.Equal(1, s.NonFinite);
        Assert.False(NmseThresholds.Passes(s.Nmse, NmseThresholds.BFloat16));
        Assert.Equal(0, ErrorMetrics.Compare(new[] { 1f, 5f }, new[] { 1f, float.NaN }).Nmse);
        Assert.False(NmseThresholds.Passes(double.NaN, 1));
        Assert.Throws<ArgumentException>(() => ErrorMetrics.Compare(new float[2], new float[3]));
    }

    [Fact]
    public void Bf16RoundingAloneSitsBetweenTheFp32AndBf16Thresholds()
    {
        // the calibration argument of NmseThresholds: rounding to bf16 costs ≈ 2.2e-6, well below 1e-5 and far above 1e-9
        var rng = new Random(5);
        var x = new float[200_000];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        var r = x.Select(v => BFloat16.FromSingle(v).ToSingle()).ToArray();
        double nmse = ErrorMetrics.Compare(r, x).Nmse;
        Assert.InRange(nmse, 1.5e-6, 3.5e-6);
        Assert.True(NmseThresholds.Passes(nmse, NmseThresholds.For(DType.BF16)));
        Assert.False(NmseThresholds.Passes(nmse, NmseThresholds.For(DType.F32)));
        // a one-ulp-of-bf16 systematic error (what a wrong rounding mode would give) is caught
        var biased = x.Select(v => v * (1 + 1f / 128)).ToArray();
        Assert.False(NmseThresholds.Passes(ErrorMetrics.Compare(biased, x).Nmse, NmseThresholds.BFloat16));
        Assert.Throws<ArgumentException>(() => NmseThresholds.For(DType.F16));
    }

    [Fact]
    public void MaxRelativeErrorIsTheWorstElementRelativeToItsReference()
    {
        Assert.Equal(0.2, ErrorMetrics.MaxRelativeError([1.1, 4.0, -2.0], [1.0, 5.0, -2.0]), 12);   // 0.1, |4 − 5| / 5, 0
        Assert.Equal(0, ErrorMetrics.MaxRelativeError([3.0, 0.0], [3.0, 0.0]));
        Assert.Equal(double.PositiveInfinity, ErrorMetrics.MaxRelativeError([1e-9], [0.0]));
        Assert.Equal(double.PositiveInfinity, ErrorMetrics.MaxRelativeError([double.NaN, 1.0], [1.0, 1.0]));
        Assert.Equal(0, ErrorMetrics.MaxRelativeError([7.0, 1.0], [double.NaN, 1.0]));
        Assert.Throws<ArgumentException>(() => ErrorMetrics.MaxRelativeError([1.0], [1.0, 2.0]));
    }
}
