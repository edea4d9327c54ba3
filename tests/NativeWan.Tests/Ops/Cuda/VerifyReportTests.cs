using System.Text.Json;
using NativeWan.Numerics;
using NativeWan.Ops.Cuda;

namespace NativeWan.Tests.Ops.Cuda;

public class VerifyReportTests
{
    static readonly VerifyRow[] Rows =
    {
        new("rmsnorm", "RmsNormForward", "rows=17 dim=64", "out", DType.BF16, new ErrorStats(2.14e-6, 7.8e-3, 1088, 0), 1e-5),
        new("attention", "AttentionForward", "lq=8 lk=9 heads=4 head_dim=32 key_valid=9", "lse", DType.F32, new ErrorStats(double.PositiveInfinity, 0.5, 32, 1), 1e-9),
        VerifyRow.Failed("adamw", "AdamW.Update", "n=1000", "CudaException: CUDA_ERROR_ILLEGAL_ADDRESS"),
    };

    [Fact]
    public void TableHasAlignedColumnsFailMarksErrorsAndASummary()
    {
        var lines = VerifyReport.FormatTable(Rows).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.StartsWith("family", lines[0]);
        Assert.Matches("^-+  -+", lines[1]);
        int col = lines[0].IndexOf("nmse", StringComparison.Ordinal);
        Assert.Equal("2.14e-06", lines[2].Substring(col, 8));
        Assert.Equal("inf", lines[3].Substring(col, 3));
        Assert.EndsWith("ok", lines[2]);
        Assert.EndsWith("FAIL", lines[3]);
        Assert.EndsWith("FAIL", lines[4]);
        Assert.Equal("    error: CudaException: CUDA_ERROR_ILLEGAL_ADDRESS", lines[5]);
        Assert.Equal("verify-kernels: 1/3 checks passed, 2 FAILED", lines[6]);
        Assert.Equal(7, lines.Length);
    }

    [Fact]
    public void NumbersAreShortScientific()
    {
        Assert.Equal("0", VerifyReport.Number(0));
        Assert.Equal("1.00e-05", VerifyReport.Number(1e-5));
        Assert.Equal("3.46e+02", VerifyReport.Number(345.6));
        Assert.Equal("nan", VerifyReport.Number(double.NaN));
        Assert.Equal("inf", VerifyReport.Number(double.PositiveInfinity));
    }

    [Fact]
    public void JsonCarriesEveryRowAndWritesNonFiniteNumbersAsStrings()
    {
        using var doc = JsonDocument.Parse(VerifyReport.ToJson(Rows, "NVIDIA Test GPU (sm_89)"));
        var root = doc.RootElement;
        Assert.Equal("NVIDIA Test GPU (sm_89)", root.GetProperty("device").GetString());
        Assert.False(root.GetProperty("passed").GetBoolean());
        Assert.Equal(3, root.GetProperty("checks").GetInt32());
        Assert.Equal(2, root.GetProperty("failed").GetInt32());
        var rows = root.GetProperty("rows");
        Assert.Equal(2.14e-6, rows[0].GetProperty("nmse").GetDouble());
        Assert.True(rows[0].GetProperty("passed").GetBoolean());
        Assert.Equal(1088, rows[0].GetProperty("count").GetInt64());
        Assert.Equal("inf", rows[1].GetProperty("nmse").GetString());
        Assert.Equal("nan", rows[2].GetProperty("nmse").GetString());
        Assert.Equal("CudaException: CUDA_ERROR_ILLEGAL_ADDRESS", rows[2].GetProperty("error").GetString());
        Assert.Equal(JsonValueKind.Null, rows[0].GetProperty("error").ValueKind);

        using var err = JsonDocument.Parse(VerifyReport.ToJson(Array.Empty<VerifyRow>(), null, "no CUDA device"));
        Assert.False(err.RootElement.GetProperty("passed").GetBoolean());
        Assert.Equal("no CUDA device", err.RootElement.GetProperty("error").GetString());
    }
}
