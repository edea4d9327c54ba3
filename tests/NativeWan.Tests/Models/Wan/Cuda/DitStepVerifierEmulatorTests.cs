using System.Diagnostics;
using NativeWan.Lora;
using NativeWan.Models.Wan.Cuda;
using NativeWan.Ops.Cuda;
using NativeWan.Tests.Ops.Cuda;
using Xunit.Abstractions;

namespace NativeWan.Tests.Models.Wan.Cuda;

/// <summary>
/// The whole-step checks of verify-kernels (<see cref="DitStepVerifier"/>: golden DiT training step and CPU-vs-kernels
/// loss curve) through the same library code the command runs, on the host emulator with the tiled GEMM.
/// </summary>
[Collection("cuda emulator")]
public sealed class DitStepVerifierEmulatorTests(ITestOutputHelper output)
{
    [EmulatorFact]
    public void GoldenStepsAndAShortLossCurvePassOnTheEmulatorAndAWrongLoraScaleFails()
    {
        Assert.True(CudaKernelEmulator.Problem is null, CudaKernelEmulator.Problem);
        using var backend = new EmulatorBackend();
        var gemm = new SimpleGemm(backend);
        var verifier = new DitStepVerifier(backend, gemm);
        var sw = Stopwatch.StartNew();
        var log = new List<string>();

        var golden = verifier.RunGolden(Golden.Dir, log.Add);
        var curve = verifier.RunLossCurve(new LossCurveOptions { Steps = 5 }, log.Add);
        foreach (var l in log) output.WriteLine(l);
        output.WriteLine(VerifyReport.FormatTable([.. golden, .. curve]));
        output.WriteLine($"{sw.Elapsed.TotalSeconds:F1} s");

        // every golden file present gave a loss row and one row per tensor group, and all of them pass
        foreach (var file in DitStepVerifier.GoldenFiles)
        {
            string stem = Path.GetFileNameWithoutExtension(file);
            var fileRows = golden.Where(r => r.Shape.StartsWith(stem + " ", StringComparison.Ordinal)).ToList();
            Assert.Contains(fileRows, r => r.Output == "loss" && r.Metric == VerifyMetric.RelativeError);
            Assert.Contains(fileRows, r => r.Output == "out.train.pred");
            Assert.Contains(fileRows, r => r.Output.StartsWith("ffn lora_up", StringComparison.Ordinal));
            Assert.Contains(fileRows, r => r.Output.StartsWith("self_attn lora_down", StringComparison.Ordinal));
        }
        Assert.All(golden, r => Assert.True(r.Passed, $"{r.Shape} {r.Output}: {r.Value:E2} > {r.Threshold:E2} {r.Error}"));
        // bf16 steps are not bit-identical to float32: the comparison measured something
        Assert.Contains(golden, r => r.Value > 0);

        var row = Assert.Single(curve);
        Assert.Equal(DitStepVerifier.CurveFamily, row.Family);
        Assert.Equal(VerifyMetric.RelativeError, row.Metric);
        Assert.Equal(5, row.Stats.Count);
        Assert.True(row.Passed, $"loss curves differ by {row.Value:E2} (limit {row.Threshold:E2}) {row.Error}");
        Assert.InRange(row.Value, 1e-9, 0.01);

        // a LoRA applied at the wrong scale (multiplier ×1.1) must fail the gradient rows
        using var c = GoldenCases.Open("dit_t2v.safetensors");
        c.Lora.Multiplier *= 1.1f;
        using var dit = new WanDitCuda(c.Dit, backend, gemm);
        var wrong = GoldenStepCheck.Run(c, dit, compareWithCpu: false);
        var wrongRows = wrong.ToRows();
        output.WriteLine(VerifyReport.FormatTable(wrongRows));
        Assert.NotEmpty(wrong.Failures());
        Assert.Contains(wrongRows, r => r.Output.Contains("lora_up", StringComparison.Ordinal) && !r.Passed);
    }
}
