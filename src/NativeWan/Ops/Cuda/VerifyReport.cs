using System.Globalization;
using System.Text;
using System.Text.Json;
using NativeWan.Numerics;

namespace NativeWan.Ops.Cuda;

/// <summary>One compared output of one op at one shape (a row of the verify-kernels table).</summary>
/// <param name="Family">Op family (<see cref="CudaOpRegistry"/>).</param>
/// <param name="Op">The op ("LayerNormForward").</param>
/// <param name="Shape">Sizes and variant ("rows=17 dim=64 x=bf16").</param>
/// <param name="Output">Which output ("u", "dx", "lse").</param>
/// <param name="DType">The output's storage type.</param>
/// <param name="Stats">NMSE and max error.</param>
/// <param name="Threshold">NMSE threshold applied.</param>
/// <param name="Error">Set when the case failed before comparing (exception message); then Stats is NaN.</param>
public sealed record VerifyRow(string Family, string Op, string Shape, string Output, DType DType, ErrorStats Stats, double Threshold, string? Error = null)
{
    /// <summary>True when the case ran and the NMSE is within the threshold.</summary>
    public bool Passed => Error is null && NmseThresholds.Passes(Stats.Nmse, Threshold);

    /// <summary>A row for a case that threw.</summary>
    public static VerifyRow Failed(string family, string op, string shape, string error)
        => new(family, op, shape, "-", DType.F32, new ErrorStats(double.NaN, double.NaN, 0, 0), 0, error);
}

/// <summary>Formats <see cref="VerifyRow"/>s as the verify-kernels table and as JSON.</summary>
public static class VerifyReport
{
    static readonly string[] Header = { "family", "op", "shape", "output", "dtype", "nmse", "threshold", "max|err|", "result" };

    /// <summary>
    /// A fixed-width table, one line per row, columns separated by two spaces, then a summary line
    /// ("verify-kernels: 40/41 checks passed, 1 FAILED"); failing rows say FAIL and the error, if any, on the next line.
    /// </summary>
    public static string FormatTable(IReadOnlyList<VerifyRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var cells = rows.Select(r => new[]
        {
            r.Family, r.Op, r.Shape, r.Output, r.DType.ToString(), Number(r.Stats.Nmse), Number(r.Threshold), Number(r.Stats.MaxAbsError),
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
    /// JSON document: <c>{"device": …, "passed": bool, "checks": n, "failed": n, "rows": [{family, op, shape, output, dtype,
    /// nmse, threshold, max_abs_error, count, passed, error}]}</c>; non-finite numbers are written as strings ("inf", "nan").
    /// </summary>
    public static string ToJson(IReadOnlyList<VerifyRow> rows, string? device, string? error = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            if (device is null) w.WriteNull("device"); else w.WriteString("device", device);
            if (error is not null) w.WriteString("error", error);
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
                Num(w, "nmse", r.Stats.Nmse); Num(w, "threshold", r.Threshold); Num(w, "max_abs_error", r.Stats.MaxAbsError);
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

    static void Num(Utf8JsonWriter w, string name, double v)
    {
        if (double.IsFinite(v)) w.WriteNumber(name, v); else w.WriteString(name, Number(v));
    }
}
