using System.Diagnostics;
using NativeWan.Models.Wan;
using NativeWan.Models.Wan.Cuda;
using NativeWan.Ops.Cuda;
using NativeWan.Tests.Ops.Cuda;
using Xunit.Abstractions;

namespace NativeWan.Tests.Models.Wan.Cuda;

/// <summary>
/// The whole device training step — the real kernels/*.cu, the tiled fallback GEMM, the allocation plan and the call
/// sequence of <see cref="WanDitCuda"/> — on the host emulator of the CUDA execution model, against the golden files
/// and the float32 CPU reference. Nothing here runs on a GPU; <see cref="WanDitCudaGpuTests"/> is the same check on one.
/// </summary>
[Collection("cuda emulator")]
public sealed class WanDitCudaEmulatorTests(ITestOutputHelper output)
{
    public static TheoryData<string> Files => new() { "dit_t2v.safetensors", "dit_i2v.safetensors" };

    static void NeedEmulator() => Assert.True(CudaKernelEmulator.Problem is null, CudaKernelEmulator.Problem);

    [EmulatorTheory, MemberData(nameof(Files))]
    public void TrainStep_MatchesGoldenAndCpuWithinBf16Rounding(string file)
    {
        NeedEmulator();
        using var c = GoldenCases.Open(file);
        using var backend = new EmulatorBackend();
        using var dit = new WanDitCuda(c.Dit, backend, new SimpleGemm(backend), separateAllocations: true);
        var sw = Stopwatch.StartNew();
        GoldenStepAssert.Run(c, dit, output, $"{file} (emulator, tiled GEMM)");
        output.WriteLine($"{file}: emulated step + CPU step {sw.Elapsed.TotalSeconds:F1} s, {backend.LaunchCounts.Values.Sum()} launches of {backend.LaunchCounts.Count} kernels");
        foreach (var k in new[] { "nw_gemm_nt_bf16_bf16", "nw_gemm_nn_bf16_bf16", "nw_lora_grad_down_bf16", "nw_attention_bwd_dkdv_d" + c.Dit.Config.HeadDim + "_bf16", "nw_rope3d_bwd_bf16" })
            Assert.True(backend.LaunchCounts.ContainsKey(k), $"{k} never launched");
    }

    [EmulatorTheory, MemberData(nameof(Files))]
    public void TrainStep_CheckpointedEqualsKeepAll(string file)
    {
        NeedEmulator();
        using var c = GoldenCases.Open(file);
        using var backend = new EmulatorBackend();
        using var dit = new WanDitCuda(c.Dit, backend, new SimpleGemm(backend), separateAllocations: true);
        string attn = $"nw_attention_fwd_d{c.Dit.Config.HeadDim}_bf16";

        var g1 = new LoraGradients(c.Lora);
        var a = c.Gpu(dit, g1, new WanCudaTrainOptions { GradientCheckpointing = true, InputGradients = true, ReturnPrediction = true });
        int attnCheckpointed = backend.LaunchCounts[attn];
        var g2 = new LoraGradients(c.Lora);
        var b = c.Gpu(dit, g2, new WanCudaTrainOptions { GradientCheckpointing = false, InputGradients = true, ReturnPrediction = true });
        int attnKeepAll = backend.LaunchCounts[attn] - attnCheckpointed;

        // checkpointing recomputes every block once (two attentions per block), keeping all does not
        Assert.Equal(2 * c.Layers, attnKeepAll);
        Assert.Equal(4 * c.Layers, attnCheckpointed);
        Assert.Equal(a.Loss, b.Loss);
        Assert.Equal(a.Prediction, b.Prediction);
        Assert.Equal(a.DLossDXt, b.DLossDXt);
        Assert.Equal(a.DLossDX0, b.DLossDX0);
        foreach (var m in g1.Modules)
        {
            var other = g2.Find(m.Module.ModulePath)!;
            Assert.Equal(m.DDown, other.DDown);
            Assert.Equal(m.DUp, other.DUp);
            Assert.Contains(m.DDown, v => v != 0);
            Assert.Contains(m.DUp, v => v != 0);
        }
        output.WriteLine($"{file}: checkpointed and keep-all steps identical (loss {a.Loss}); attention launches {attnCheckpointed} vs {attnKeepAll}");
    }

    [EmulatorFact]
    public void TrainStep_AllocatesOnePlanOnceAndAccumulates()
    {
        NeedEmulator();
        using var c = GoldenCases.Open("dit_t2v.safetensors");
        using var backend = new EmulatorBackend();
        using var dit = new WanDitCuda(c.Dit, backend, new SimpleGemm(backend));
        Assert.Equal(1, backend.AllocationCount);                     // the weights: one arena

        var once = new LoraGradients(c.Lora);
        var opts = new WanCudaTrainOptions();
        var r1 = c.Gpu(dit, once, opts);
        Assert.Equal(3, backend.AllocationCount);                     // + LoRA arena + step-buffer arena, nothing per call
        Assert.Null(r1.Prediction);
        Assert.Null(r1.DLossDXt);

        var acc = new LoraGradients(c.Lora);
        c.Gpu(dit, acc, opts);
        var r3 = c.Gpu(dit, acc, opts with { AccumulateGradients = true });
        Assert.Equal(3, backend.AllocationCount);                     // the same plan served every step
        Assert.Equal(r1.Loss, r3.Loss);                               // deterministic
        foreach (var m in acc.Modules)
        {
            var o = once.Find(m.Module.ModulePath)!;
            for (int j = 0; j < o.DDown.Length; j++) Assert.Equal(2 * o.DDown[j], m.DDown[j]);
            for (int j = 0; j < o.DUp.Length; j++) Assert.Equal(2 * o.DUp[j], m.DUp[j]);
        }

        dit.Dispose();
        Assert.Equal(0, backend.LiveCount);
    }

    [EmulatorFact]
    public void TrainStep_SequencePaddingLeavesTheResultUnchanged()
    {
        NeedEmulator();
        using var c = GoldenCases.Open("dit_t2v.safetensors");
        using var backend = new EmulatorBackend();
        using var dit = new WanDitCuda(c.Dit, backend, new SimpleGemm(backend), separateAllocations: true);
        var cfg = c.Dit.Config;
        int tokens = c.Shape.Frames / cfg.PatchSize.T * (c.Shape.Height / cfg.PatchSize.H) * (c.Shape.Width / cfg.PatchSize.W);
        var g1 = new LoraGradients(c.Lora);
        var a = c.Gpu(dit, g1, new WanCudaTrainOptions { InputGradients = true });
        var g2 = new LoraGradients(c.Lora);
        var b = c.Gpu(dit, g2, new WanCudaTrainOptions { InputGradients = true, SeqLen = tokens + 13 });
        // padding rows are masked keys and carry zero gradient, so every valid-row computation is unchanged
        Assert.Equal(a.Loss, b.Loss);
        Assert.Equal(a.DLossDXt, b.DLossDXt);
        foreach (var m in g1.Modules)
        {
            var o = g2.Find(m.Module.ModulePath)!;
            Assert.Equal(m.DDown, o.DDown);
            Assert.Equal(m.DUp, o.DUp);
        }
        output.WriteLine($"padding {tokens} → {tokens + 13} tokens: identical loss {a.Loss} and gradients");
    }
}
