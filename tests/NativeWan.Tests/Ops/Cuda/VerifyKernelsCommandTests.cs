using NativeWan.Cli.Commands;
using NativeWan.Ops.Cuda;

namespace NativeWan.Tests.Ops.Cuda;

public class VerifyKernelsCommandTests
{
    [NoGpuFact]
    public void WithoutADriverItSaysNoCudaDeviceAndFails()
    {
        using var dir = new NativeWan.Tests.Cuda.TempDir();
        var json = Path.Combine(dir.Path, "verify.json");
        var w = new StringWriter();
        int rc = VerifyKernelsCommand.Run(new VerifyKernelsOptions { Json = json }, w);
        Assert.Equal(1, rc);
        var text = w.ToString();
        Assert.StartsWith("verify-kernels: no CUDA device: no CUDA driver (libcuda.so.1) was found", text);
        Assert.Contains("install the NVIDIA driver", text);
        Assert.DoesNotContain("checks passed", text);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json));
        Assert.False(doc.RootElement.GetProperty("passed").GetBoolean());
        Assert.Contains("no CUDA driver", doc.RootElement.GetProperty("error").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, doc.RootElement.GetProperty("gpu").ValueKind);
        Assert.True(doc.RootElement.TryGetProperty("commit", out _));
    }

    [NoGpuFact]
    public void StepChecksAreKnownOpNamesAndStillNeedAGpu()
    {
        var w = new StringWriter();
        Assert.Equal(1, VerifyKernelsCommand.Run(new VerifyKernelsOptions { Ops = new[] { "dit-golden", "train-curve" } }, w));
        Assert.StartsWith("verify-kernels: no CUDA device", w.ToString());
    }

    [Fact]
    public void ListNeedsNoGpuAndNamesEveryFamilyAndKernel()
    {
        var w = new StringWriter();
        Assert.Equal(0, VerifyKernelsCommand.Run(new VerifyKernelsOptions { List = true }, w));
        var text = w.ToString();
        foreach (var f in CudaOpRegistry.Families)
        {
            Assert.Contains(f.Name, text);
            foreach (var k in f.Kernels) Assert.Contains(k.Name, text);
        }
        Assert.Contains("dit-golden", text);
        Assert.Contains("train-curve", text);
    }

    [Fact]
    public void UnknownOpFamilyIsAUsageError()
    {
        var w = new StringWriter();
        Assert.Equal(2, VerifyKernelsCommand.Run(new VerifyKernelsOptions { Ops = new[] { "layernorm", "softmaxx" } }, w));
        Assert.Contains("unknown op family 'softmaxx' (known: patchify, unpatchify", w.ToString());
        Assert.Contains("dit-golden, train-curve)", w.ToString());
    }

    [Fact]
    public void CurveStepsBelowOneIsAUsageError()
    {
        var w = new StringWriter();
        Assert.Equal(2, VerifyKernelsCommand.Run(new VerifyKernelsOptions { CurveSteps = 0 }, w));
        Assert.Contains("--curve-steps must be at least 1", w.ToString());
    }

    [Fact]
    public void CommitComesFromTheEnvironmentVariableFirst()
    {
        var old = Environment.GetEnvironmentVariable(VerifyEnvironment.CommitVariable);
        try
        {
            Environment.SetEnvironmentVariable(VerifyEnvironment.CommitVariable, " 0123abcd ");
            Assert.Equal("0123abcd", VerifyEnvironment.FindCommit());
            Assert.Equal("0123abcd", VerifyEnvironment.Collect("GPU").Commit);
            Assert.Equal("GPU", VerifyEnvironment.Collect("GPU").Gpu);
        }
        finally { Environment.SetEnvironmentVariable(VerifyEnvironment.CommitVariable, old); }
    }

    [Fact]
    public void TheVerbIsRegistered()
    {
        var verbs = typeof(NativeWan.Cli.Program).GetField("Verbs", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.GetValue(null) as Type[];
        Assert.Contains(typeof(VerifyKernelsOptions), verbs!);
    }
}
