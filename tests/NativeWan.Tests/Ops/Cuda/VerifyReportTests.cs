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
        VerifyRow.Relative("dit-golden", "WanDitCuda.TrainStep", "dit_t2v layers=2", "loss", DType.F32, [3.4661314], [3.4677622], 1.0 / 256),
        VerifyRow.Relative("train-curve", "LoraTrainer.Step x3", "tiny t2v", "loss curve", DType.F32, [2.0, 1.9, 1.0], [2.0, 1.8, 1.0], 0.01),
    };

    [Fact]
    public void TableHasAlignedColumnsFailMarksErrorsAndASummary()
    {
        var lines = VerifyReport.FormatTable(Rows).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.StartsWith("family", lines[0]);
        Assert.Matches("^-+  -+", lines[1]);
        int metric = lines[0].IndexOf("metric", StringComparison.Ordinal), col = lines[0].IndexOf("value", StringComparison.Ordinal);
        Assert.Equal("nmse", lines[2].Substring(metric, 4));
        Assert.Equal("2.14e-06", lines[2].Substring(col, 8));
        Assert.Equal("inf", lines[3].Substring(col, 3));
        Assert.EndsWith("ok", lines[2]);
        Assert.EndsWith("FAIL", lines[3]);
        Assert.EndsWith("FAIL", lines[4]);
        Assert.Equal("    error: CudaException: CUDA_ERROR_ILLEGAL_ADDRESS", lines[5]);
        Assert.Equal("rel ", lines[6].Substring(metric, 4));
        Assert.Equal("4.70e-04", lines[6].Substring(col, 8));          // |3.4661314 − 3.4677622| / 3.4677622
        Assert.EndsWith("ok", lines[6]);
        Assert.Equal("5.56e-02", lines[7].Substring(col, 8));          // |1.9 − 1.8| / 1.8 at the worst step
        Assert.EndsWith("FAIL", lines[7]);
        Assert.Equal("verify-kernels: 2/5 checks passed, 3 FAILED", lines[8]);
        Assert.Equal(9, lines.Length);
    }

    [Fact]
    public void RelativeRowsCompareTheRelativeErrorAndKeepTheNmse()
    {
        var pass = VerifyRow.Relative("f", "op", "s", "loss", DType.F32, [1.0099], [1.0], 0.01);
        var fail = VerifyRow.Relative("f", "op", "s", "loss", DType.F32, [1.0101], [1.0], 0.01);
        Assert.True(pass.Passed);
        Assert.False(fail.Passed);
        Assert.Equal(0.0101, fail.Value, 6);
        Assert.Equal(0.0101 * 0.0101, fail.Stats.Nmse, 8);                  // one value: NMSE = relative error²
        Assert.Equal(1, fail.Stats.Count);
        Assert.False(VerifyRow.Relative("f", "op", "s", "loss", DType.F32, [double.NaN], [1.0], 0.01).Passed);
        Assert.Equal(VerifyMetric.Nmse, Rows[0].Metric);
        Assert.Equal(Rows[0].Stats.Nmse, Rows[0].Value);
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
        Assert.Equal(5, root.GetProperty("checks").GetInt32());
        Assert.Equal(3, root.GetProperty("failed").GetInt32());
        var rows = root.GetProperty("rows");
        Assert.Equal(2.14e-6, rows[0].GetProperty("nmse").GetDouble());
        Assert.True(rows[0].GetProperty("passed").GetBoolean());
        Assert.Equal(1088, rows[0].GetProperty("count").GetInt64());
        Assert.Equal("inf", rows[1].GetProperty("nmse").GetString());
        Assert.Equal("nan", rows[2].GetProperty("nmse").GetString());
        Assert.Equal("CudaException: CUDA_ERROR_ILLEGAL_ADDRESS", rows[2].GetProperty("error").GetString());
        Assert.Equal(JsonValueKind.Null, rows[0].GetProperty("error").ValueKind);
        Assert.Equal("nmse", rows[0].GetProperty("metric").GetString());
        Assert.Equal(2.14e-6, rows[0].GetProperty("value").GetDouble());
        Assert.Equal("nan", rows[0].GetProperty("relative_error").GetString());
        Assert.Equal("rel", rows[3].GetProperty("metric").GetString());
        Assert.Equal(Rows[3].RelativeError, rows[3].GetProperty("value").GetDouble());
        Assert.Equal(Rows[3].RelativeError, rows[3].GetProperty("relative_error").GetDouble());
        Assert.True(rows[3].GetProperty("passed").GetBoolean());
        Assert.False(rows[4].GetProperty("passed").GetBoolean());
        Assert.False(root.TryGetProperty("commit", out _));                    // no environment given

        var env = new VerifyEnvironment("NVIDIA Test GPU", "550.54.15", "12.4", null);
        using var withEnv = JsonDocument.Parse(VerifyReport.ToJson(Rows, "NVIDIA Test GPU (sm_89)", null, env));
        Assert.Equal("NVIDIA Test GPU", withEnv.RootElement.GetProperty("gpu").GetString());
        Assert.Equal("550.54.15", withEnv.RootElement.GetProperty("driver").GetString());
        Assert.Equal("12.4", withEnv.RootElement.GetProperty("cuda_driver").GetString());
        Assert.Equal(JsonValueKind.Null, withEnv.RootElement.GetProperty("commit").ValueKind);

        using var err = JsonDocument.Parse(VerifyReport.ToJson(Array.Empty<VerifyRow>(), null, "no CUDA device"));
        Assert.False(err.RootElement.GetProperty("passed").GetBoolean());
        Assert.Equal("no CUDA device", err.RootElement.GetProperty("error").GetString());
    }
}
