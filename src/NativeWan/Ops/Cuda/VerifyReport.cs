using System.Globalization;
using System.Text;
using System.Text.Json;
using NativeWan.Numerics;

namespace NativeWan.Ops.Cuda;

/// <summary>What a <see cref="VerifyRow"/>'s value and threshold measure.</summary>
public enum VerifyMetric
{
    /// <summary>Normalized mean squared error Σ(gpu − ref)² / Σ ref² (<see cref="ErrorStats.Nmse"/>).</summary>
    Nmse,
    /// <summary>max |gpu − ref| / |ref| over the compared values (<see cref="ErrorMetrics.MaxRelativeError"/>): scalar
    /// results such as a loss, and loss curves.</summary>
    RelativeError,
}

/// <summary>One compared output of one op at one shape (a row of the verify-kernels table).</summary>
/// <param name="Family">Op family (<see cref="CudaOpRegistry"/>), or a whole-step check ("dit-golden", "train-curve").</param>
/// <param name="Op">The op ("LayerNormForward").</param>
/// <param name="Shape">Sizes and variant ("rows=17 dim=64 x=bf16").</param>
/// <param name="Output">Which output ("u", "dx", "lse").</param>
/// <param name="DType">The output's storage type.</param>
/// <param name="Stats">NMSE and max error.</param>
/// <param name="Threshold">Threshold applied to <see cref="Value"/> (an NMSE, or a relative error for
/// <see cref="VerifyMetric.RelativeError"/> rows).</param>
/// <param name="Error">Set when the case failed before comparing (exception message); then Stats is NaN.</param>
public sealed record VerifyRow(string Family, string Op, string Shape, string Output, DType DType, ErrorStats Stats, double Threshold, string? Error = null)
{
    /// <summary>What <see cref="Value"/> and <see cref="Threshold"/> measure (NMSE unless created by <see cref="Relative"/>).</summary>
    public VerifyMetric Metric { get; init; } = VerifyMetric.Nmse;

    /// <summary>For <see cref="VerifyMetric.RelativeError"/> rows: max |gpu − ref| / |ref|; NaN otherwise.</summary>
    public double RelativeError { get; init; } = double.NaN;

    /// <summary>The measured value compared with <see cref="Threshold"/>: <see cref="ErrorStats.Nmse"/> or <see cref="RelativeError"/>.</summary>
    public double Value => Metric == VerifyMetric.RelativeError ? RelativeError : Stats.Nmse;

    /// <summary>True when the case ran and <see cref="Value"/> is within the threshold (NaN never passes).</summary>
    public bool Passed => Error is null && NmseThresholds.Passes(Value, Threshold);

    /// <summary>A row for a case that threw.</summary>
    public static VerifyRow Failed(string family, string op, string shape, string error)
        => new(family, op, shape, "-", DType.F32, new ErrorStats(double.NaN, double.NaN, 0, 0), 0, error);

    /// <summary>
    /// A <see cref="VerifyMetric.RelativeError"/> row comparing <paramref name="actual"/> with <paramref name="reference"/>
    /// (one value for a scalar such as a loss, or a sequence such as a loss curve); <see cref="Stats"/> holds their NMSE
    /// and max |difference| as well.
    /// </summary>
    /// <exception cref="ArgumentException">Different lengths.</exception>
    public static VerifyRow Relative(string family, string op, string shape, string output, DType dtype,
        ReadOnlySpan<double> actual, ReadOnlySpan<double> reference, double threshold)
    {
        double rel = ErrorMetrics.MaxRelativeError(actual, reference);
        var a = new float[actual.Length];
        var r = new float[reference.Length];
        for (int i = 0; i < a.Length; i++) { a[i] = (float)actual[i]; r[i] = (float)reference[i]; }
        return new VerifyRow(family, op, shape, output, dtype, ErrorMetrics.Compare(a, r), threshold)
        {
            Metric = VerifyMetric.RelativeError,
            RelativeError = rel,
        };
    }
}

/// <summary>Formats <see cref="VerifyRow"/>s as the verify-kernels table and as JSON.</summary>
public static class VerifyReport
{
    static readonly string[] Header = { "family", "op", "shape", "output", "dtype", "metric", "value", "threshold", "max|err|", "result" };

    /// <summary>
    /// A fixed-width table, one line per row (metric "nmse" or "rel", its value and threshold), columns separated by two
    /// spaces, then a summary line
    /// ("verify-kernels: 40/41 checks passed, 1 FAILED"); failing rows say FAIL and the error, if any, on the next line.
    /// </summary>
    public static string FormatTable(IReadOnlyList<VerifyRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var cells = rows.Select(r => new[]
        {
            r.Family, r.Op, r.Shape, r.Output, r.DType.ToString(), MetricName(r.Metric), Number(r.Value), Number(r.Threshold), Number(r.Stats.MaxAbsError),
            r.Passed ? "ok" : "FAIL",
        }).ToList();
        var widths = Header.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(c => c[i].Length))).ToArray();
        var sb = new StringBuilder();
        void Line(string[] c) => sb.AppendLine(string.Join("  ", c.Select((s, i) => i == c.Length - 1 ? s : s.PadRight(widths[i]))).TrimEnd());
        Line(Header);
        Line(widths.Select(w => new string('-', w)).ToArray());
        for (int i = 0; i < rows.Count; i++)
        {
            Line(cells[i]);
            if (rows[i].Error is { } e) sb.AppendLine("    error: " + e.ReplaceLineEndings(" "));
        }
        sb.AppendLine(Summary(rows));
        return sb.ToString();
    }

    /// <summary>Short metric name for the table and the JSON: "nmse" or "rel".</summary>
    public static string MetricName(VerifyMetric metric) => metric == VerifyMetric.RelativeError ? "rel" : "nmse";

    /// <summary>"verify-kernels: N/M checks passed" plus ", K FAILED" when some failed.</summary>
    public static string Summary(IReadOnlyList<VerifyRow> rows)
    {
        int passed = rows.Count(r => r.Passed), failed = rows.Count - passed;
        return $"verify-kernels: {passed}/{rows.Count} checks passed" + (failed > 0 ? $", {failed} FAILED" : "");
    }

    /// <summary>Scientific notation with 2 decimals ("2.14e-06"), "0" for zero, "inf"/"nan" for non-finite values.</summary>
    public static string Number(double v)
    {
        if (double.IsNaN(v)) return "nan";
        if (double.IsInfinity(v)) return v > 0 ? "inf" : "-inf";
        return v == 0 ? "0" : v.ToString("0.00e+00", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// JSON document: <c>{"device": …, ["error": …,] "gpu", "driver", "cuda_driver", "commit" (when
    /// <paramref name="environment"/> is given; null when unknown), "passed": bool, "checks": n, "failed": n,
    /// "rows": [{family, op, shape, output, dtype, metric ("nmse"|"rel"), value, threshold, nmse, relative_error,
    /// max_abs_error, count, passed, error}]}</c>; non-finite numbers are written as strings ("inf", "nan").
    /// </summary>
    public static string ToJson(IReadOnlyList<VerifyRow> rows, string? device, string? error = null, VerifyEnvironment? environment = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            if (device is null) w.WriteNull("device"); else w.WriteString("device", device);
            if (error is not null) w.WriteString("error", error);
            if (environment is not null)
            {
                Str(w, "gpu", environment.Gpu);
                Str(w, "driver", environment.Driver);
                Str(w, "cuda_driver", environment.CudaDriver);
                Str(w, "commit", environment.Commit);
            }
            int failed = rows.Count(r => !r.Passed);
            w.WriteBoolean("passed", error is null && failed == 0);
            w.WriteNumber("checks", rows.Count);
            w.WriteNumber("failed", failed);
            w.WriteStartArray("rows");
            foreach (var r in rows)
            {
                w.WriteStartObject();
                w.WriteString("family", r.Family); w.WriteString("op", r.Op); w.WriteString("shape", r.Shape);
                w.WriteString("output", r.Output); w.WriteString("dtype", r.DType.ToString());
                w.WriteString("metric", MetricName(r.Metric));
                Num(w, "value", r.Value); Num(w, "threshold", r.Threshold);
                Num(w, "nmse", r.Stats.Nmse); Num(w, "relative_error", r.RelativeError); Num(w, "max_abs_error", r.Stats.MaxAbsError);
                w.WriteNumber("count", r.Stats.Count);
                w.WriteBoolean("passed", r.Passed);
                if (r.Error is null) w.WriteNull("error"); else w.WriteString("error", r.Error);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    static void Str(Utf8JsonWriter w, string name, string? v)
    {
        if (v is null) w.WriteNull(name); else w.WriteString(name, v);
    }

    static void Num(Utf8JsonWriter w, string name, double v)
    {
        if (double.IsFinite(v)) w.WriteNumber(name, v); else w.WriteString(name, Number(v));
    }
}
