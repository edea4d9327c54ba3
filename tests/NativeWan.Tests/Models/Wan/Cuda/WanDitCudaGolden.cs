using NativeWan.Models.Wan.Cuda;
using Xunit.Abstractions;

namespace NativeWan.Tests.Models.Wan.Cuda;

/// <summary>The golden DiT files of the test golden directory (<see cref="Golden"/>).</summary>
internal static class GoldenCases
{
    /// <summary>Opens <paramref name="file"/> ("dit_t2v.safetensors") from the golden directory.</summary>
    public static GoldenTrainCase Open(string file) => GoldenTrainCase.Open(Golden.Path(file));
}

/// <summary>Asserts one device step against the golden file and the CPU reference (library <see cref="GoldenStepCheck"/>), printing the error table.</summary>
internal static class GoldenStepAssert
{
    /// <summary>
    /// Runs <see cref="GoldenStepCheck.Run"/> with the CPU step and asserts: loss within one bf16 ulp of out.train.loss and
    /// of the CPU loss; prediction NMSE within <see cref="Bf16Budget.Prediction"/>; every grad.lora_* tensor,
    /// grad.train.x_t and grad.train.x0 within <see cref="Bf16Budget.Gradient"/> of the golden tensor and of the CPU's;
    /// every golden LoRA gradient compared; every verify-kernels row of the report passing.
    /// </summary>
    public static GoldenStepReport Run(GoldenTrainCase c, WanDitCuda dit, ITestOutputHelper output, string label)
    {
        var r = GoldenStepCheck.Run(c, dit, compareWithCpu: true);
        output.WriteLine($"{label}: loss {r.Loss} (golden {r.GoldenLoss}, CPU {r.CpuLoss}): relative error {r.LossErrorVsGolden:E2} vs golden, {r.LossErrorVsCpu:E2} vs CPU (limit {Bf16Budget.LossRelative:E2})");
        Assert.True(r.LossErrorVsGolden <= Bf16Budget.LossRelative, $"loss {r.Loss} vs golden {r.GoldenLoss}: relative error {r.LossErrorVsGolden:E2}");
        Assert.NotNull(r.LossErrorVsCpu);
        Assert.True(r.LossErrorVsCpu <= Bf16Budget.LossRelative, $"loss {r.Loss} vs CPU {r.CpuLoss}: relative error {r.LossErrorVsCpu:E2}");

        Assert.Equal(c.Src.Tensors.Count(t => t.Name.StartsWith("grad.lora_", StringComparison.Ordinal)), r.LoraGradientTensors);
        Assert.True(r.LoraGradientTensors > 0);
        Assert.Equal(r.LoraGradientTensors + 3, r.Tensors.Count);       // + prediction, d/dx_t, d/dx0
        Assert.All(r.Tensors, t =>
        {
            Assert.True(t.ReferenceMax > 0, $"{t.Name}: the reference is all zero");
            Assert.NotNull(t.Cpu);
        });

        output.WriteLine($"{label}: budgets NMSE ≤ {r.PredictionBudget:E2} (prediction), ≤ {r.GradientBudget:E2} (gradients); {r.LoraGradientTensors} LoRA gradient tensors");
        output.WriteLine(r.FormatGroups());
        var failures = r.Failures();
        Assert.True(failures.Count == 0, $"{failures.Count} outputs outside the bf16 budget:\n{string.Join("\n", failures)}");
        Assert.All(r.ToRows(), row => Assert.True(row.Passed, $"{row.Output}: {row.Value:E2} > {row.Threshold:E2} {row.Error}"));
        return r;
    }
}
