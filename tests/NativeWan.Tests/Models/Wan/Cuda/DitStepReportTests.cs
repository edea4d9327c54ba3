using NativeWan.Models;
using NativeWan.Models.Wan;
using NativeWan.Models.Wan.Cuda;
using NativeWan.Ops.Cuda;
using NativeWan.Training;

namespace NativeWan.Tests.Models.Wan.Cuda;

/// <summary>The report side of the whole-step checks (rows, pass/fail, budgets, golden directory), without running a step.</summary>
public sealed class DitStepReportTests
{
    [Fact]
    public void Bf16BudgetGrowsWithTheRoundingCount()
    {
        Assert.Equal(4 * 2.2e-6 * (20 + 25 * 2), Bf16Budget.Prediction(2), 15);
        Assert.Equal(4 * 2.2e-6 * (20 + 50 * 2), Bf16Budget.Gradient(2), 15);
        Assert.Equal(1.0 / 256, Bf16Budget.LossRelative);
        Assert.Throws<ArgumentOutOfRangeException>(() => Bf16Budget.Gradient(-1));
    }

    static GoldenTensorError T(string group, string name, double nmse, double budget = 1e-3) =>
        new(group, name, new ErrorStats(nmse, 0.01, 100, 0), null, 1.0, budget);

    static GoldenStepReport Report(float loss, params GoldenTensorError[] tensors) =>
        new("dit_t2v.safetensors", TinyModels.DitConfig(WanModelType.T2V), new LatentShape(16, 3, 8, 8), loss, 3.0f, null,
            6e-4, 1e-3, tensors, tensors.Count(t => t.Name.StartsWith("grad.lora_", StringComparison.Ordinal)));

    [Fact]
    public void GoldenRowsShowTheLossAndTheWorstTensorOfEachGroup()
    {
        var r = Report(3.001f,
            T("prediction", "out.train.pred", 2e-5, 6e-4),
            T("ffn lora_down", "grad.lora_unet_blocks_0_ffn_0.lora_down.weight", 1e-4),
            T("ffn lora_down", "grad.lora_unet_blocks_1_ffn_0.lora_down.weight", 3e-4));
        Assert.True(r.Passed, string.Join("; ", r.Failures()));
        var rows = r.ToRows();
        Assert.Equal(3, rows.Count);
        Assert.Equal("loss", rows[0].Output);
        Assert.Equal(VerifyMetric.RelativeError, rows[0].Metric);
        Assert.Equal(0.001 / 3, rows[0].Value, 6);
        Assert.Equal("dit_t2v layers=2 dim=64 latent=16x3x8x8", rows[0].Shape);
        Assert.Equal("out.train.pred", rows[1].Output);
        Assert.Equal(6e-4, rows[1].Threshold);
        Assert.Equal("ffn lora_down (worst of 2)", rows[2].Output);
        Assert.Equal(3e-4, rows[2].Value);
        Assert.Equal(200, rows[2].Stats.Count);
        Assert.All(rows, row => Assert.True(row.Passed));
    }

    [Fact]
    public void GoldenRowsFailOnALossBeyondOneUlpATensorBeyondItsBudgetOrAMissingGradient()
    {
        var lossOff = Report(3.02f, T("prediction", "out.train.pred", 2e-5, 6e-4));       // 0.67 % > 1/256
        Assert.False(lossOff.Passed);
        Assert.False(lossOff.ToRows()[0].Passed);

        var gradOff = Report(3.0f, T("cross_attn lora_up", "grad.lora_unet_blocks_0_cross_attn_q.lora_up.weight", 2e-3));
        Assert.Contains(gradOff.Failures(), f => f.Contains("cross_attn_q.lora_up", StringComparison.Ordinal));
        Assert.False(gradOff.ToRows()[1].Passed);

        var missing = gradOff with { GoldenLoraGradientTensors = 2 };
        Assert.Contains(missing.Failures(), f => f.Contains("file holds 2", StringComparison.Ordinal));
        Assert.Contains(missing.ToRows(), row => row.Error is not null && row.Error.Contains("file holds 2", StringComparison.Ordinal));

        var zero = Report(3.0f, T("prediction", "out.train.pred", 0, 6e-4) with { ReferenceMax = 0 });
        Assert.False(zero.Passed);
        Assert.False(zero.ToRows()[1].Passed);

        var cpuOff = Report(3.0f, T("prediction", "out.train.pred", 1e-5, 6e-4) with { Cpu = new ErrorStats(1e-3, 0.1, 100, 0) });
        Assert.False(cpuOff.Passed);
    }

    static LossCurveReport Curve(double[] cpu, double[] gpu, string? mismatch = null) =>
        new("tiny", cpu, gpu, cpu.Select((_, i) => i % 3 == 0 ? ExpertRole.HighNoise : ExpertRole.LowNoise).ToArray(), 0.01, mismatch, 0.1, 0.2);

    [Fact]
    public void CurveRowPassesWithinOnePercentAndFailsBeyondOrOnAMismatch()
    {
        var ok = Curve([2.0, 1.5, 1.2], [2.001, 1.51, 1.2]);
        Assert.True(ok.Passed);
        Assert.Equal(0.01 / 1.5, ok.MaxRelativeDifference, 9);
        Assert.Equal(2, ok.WorstStep);
        var row = Assert.Single(ok.ToRows());
        Assert.True(row.Passed);
        Assert.Equal("LoraTrainer.Step x3", row.Op);
        Assert.Contains("worst step 2", ok.Summary());
        Assert.Contains("high/low-noise expert 1/2", ok.Summary());

        var off = Curve([2.0, 1.5, 1.2], [2.0, 1.5, 1.22]);                             // 1.7 % at step 3
        Assert.False(off.Passed);
        Assert.False(Assert.Single(off.ToRows()).Passed);
        Assert.Equal(3, off.WorstStep);

        var nan = Curve([2.0, 1.5], [2.0, double.NaN]);
        Assert.False(nan.Passed);
        Assert.False(Assert.Single(nan.ToRows()).Passed);

        var mismatch = Curve([2.0], [2.0], "step 1: the CPU run drew expert HighNoise, the GPU run LowNoise");
        Assert.False(mismatch.Passed);
        Assert.Contains("step 1", Assert.Single(mismatch.ToRows()).Error);
    }

    [Fact]
    public void LossCurveRejectsBadOptionsBeforeBuildingModels()
    {
        var backend = new RecordingBackend();
        var gemm = new SimpleGemm(backend);
        Assert.Throws<ArgumentOutOfRangeException>(() => LossCurveCheck.Run(backend, gemm, new LossCurveOptions { Steps = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => LossCurveCheck.Run(backend, gemm, new LossCurveOptions { LearningRate = 0 }));
        var row = Assert.Single(new DitStepVerifier(backend, gemm).RunLossCurve(new LossCurveOptions { Rank = 0 }));
        Assert.False(row.Passed);
        Assert.Contains("Rank", row.Error);
    }

    [Fact]
    public void GoldenDirectoryIsTheGivenOneOrNullAndMissingFilesAreSkipped()
    {
        using var dir = new NativeWan.Tests.Cuda.TempDir();
        Assert.Equal(Path.GetFullPath(dir.Path), DitStepVerifier.FindGoldenDirectory(dir.Path, out _));
        var missing = Path.Combine(dir.Path, "nope");
        Assert.Null(DitStepVerifier.FindGoldenDirectory(missing, out var tried));
        Assert.Equal(missing, tried);

        var backend = new RecordingBackend();
        var v = new DitStepVerifier(backend, new SimpleGemm(backend));
        var log = new List<string>();
        Assert.Empty(v.RunGolden(dir.Path, log.Add));                                      // empty folder: both files skipped
        Assert.Equal(DitStepVerifier.GoldenFiles.Count, log.Count);
        Assert.All(log, l => Assert.Contains("skipped", l));
        log.Clear();
        Assert.Empty(v.RunGolden(null, log.Add));
        Assert.Contains("golden directory not found", Assert.Single(log));
        Assert.Empty(backend.Calls);
    }

    [Fact]
    public void GroupOfAModuleIsItsLayerKind()
    {
        Assert.Equal("self_attn", GoldenStepCheck.GroupOf("blocks.0.self_attn.q"));
        Assert.Equal("cross_attn", GoldenStepCheck.GroupOf("blocks.12.cross_attn.o"));
        Assert.Equal("ffn", GoldenStepCheck.GroupOf("blocks.3.ffn.2"));
    }

    /// <summary>A backend that records calls and does nothing (for checks that must fail before any launch).</summary>
    sealed class RecordingBackend : IKernelBackend
    {
        public List<string> Calls { get; } = new();
        public string Description => "stub";
        public void Launch(in KernelCall call) => Calls.Add("launch " + call.Kernel);
        public GpuTensor Allocate(long elements, NativeWan.Numerics.DType dtype, string what) { Calls.Add("alloc " + what); return default; }
        public void Free(GpuTensor tensor) => Calls.Add("free");
        public void Upload<T>(GpuTensor dst, ReadOnlySpan<T> src) where T : unmanaged => Calls.Add("upload");
        public void Download<T>(Span<T> dst, GpuTensor src) where T : unmanaged => Calls.Add("download");
        public void Fill(GpuTensor dst, byte value) => Calls.Add("fill");
        public void Synchronize() { }
    }
}
