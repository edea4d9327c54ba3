using NativeWan.Models.Wan.Cuda;
using NativeWan.Ops.Cuda;
using NativeWan.Optim;
using NativeWan.Tests.Ops.Cuda;
using NativeWan.Training;
using NativeWan.Models.Wan;

namespace NativeWan.Tests.Training;

/// <summary>The training loop on the CUDA kernels (here: the host emulator) against the CPU reference.</summary>
public class CudaTrainingTests
{
    static TrainerOptions Options(int steps) => new()
    {
        MaxTrainSteps = steps,
        Schedule = new LrSchedule(LrSchedulerType.Constant, 3e-3, steps),
        Timesteps = new TimestepSamplingOptions(TimestepSampling.Shift, DiscreteFlowShift: 3),
        Seed = 11,
    };

    /// <summary>A DiT of the shipped example's configuration (head_dim 32, which the attention kernels support) and its LoRA targets.</summary>
    static (WanDit Dit, IReadOnlyList<NativeWan.Lora.LoraTarget> Targets) ExampleDit(ulong seed)
    {
        var path = Path.Combine(Path.GetTempPath(), $"nw-cudatrain-{Guid.NewGuid():N}.safetensors");
        try
        {
            WanRandomInit.Create(NativeWan.Models.TinyModels.DitConfig(WanModelType.T2V), seed).Save(path);
            using var src = NativeWan.IO.SafeTensors.SafeTensorsFile.Open(path);
            return (WanDit.Load(src), NativeWan.Lora.LoraTargets.FromWeights(src));
        }
        finally { File.Delete(path); }
    }

    static List<TrainingSample> ExampleData(int count, ulong seed)
    {
        var rng = new NativeWan.Numerics.Prng(seed);
        var shape = new LatentShape(16, 2, 4, 4);
        return Enumerable.Range(0, count).Select(i =>
        {
            var x = new float[shape.Elements]; rng.FillGaussian(x);
            var c = new float[5 * NativeWan.Models.TinyModels.TextDim]; rng.FillGaussian(c);
            return new TrainingSample($"item{i}", x, shape, c);
        }).ToList();
    }

    [EmulatorFact]
    public void DualExpertLossCurveOnTheKernelsFollowsTheCpuReferenceWithinBf16Rounding()
    {
        var (high, ht) = ExampleDit(101); var (low, lt) = ExampleDit(202);
        var data = ExampleData(2, 9);
        const int steps = 6;
        var adam = new AdamWOptions();
        var cpu = new LoraTrainer(Options(steps), data,
        [
            TrainExpert.Create(ExpertRole.HighNoise, high, NativeWan.Lora.LoraNetwork.Create(ht, 4, 4, 1), adam),
            TrainExpert.Create(ExpertRole.LowNoise, low, NativeWan.Lora.LoraNetwork.Create(lt, 4, 4, 2), adam),
        ]);
        using var backend = new EmulatorBackend();
        var gemm = new SimpleGemm(backend);
        using var gh = new WanDitCuda(high, backend, gemm);
        using var gl = new WanDitCuda(low, backend, gemm);
        var gpu = new LoraTrainer(Options(steps), data,
        [
            TrainExpert.Create(ExpertRole.HighNoise, high, NativeWan.Lora.LoraNetwork.Create(ht, 4, 4, 1), adam, new CudaStepEngine(gh, backend.Description)),
            TrainExpert.Create(ExpertRole.LowNoise, low, NativeWan.Lora.LoraNetwork.Create(lt, 4, 4, 2), adam, new CudaStepEngine(gl, backend.Description)),
        ]);
        for (int i = 0; i < steps; i++)
        {
            var a = cpu.Step(); var b = gpu.Step();
            Assert.Equal(a.Expert, b.Expert);                 // same seed: same items, timesteps and experts
            Assert.Equal(a.Timesteps, b.Timesteps);
            double rel = Math.Abs(a.Loss - b.Loss) / a.Loss;
            Assert.True(rel < 1e-2, $"step {i + 1}: cpu loss {a.Loss}, kernels {b.Loss} (rel {rel:E2})");
        }
        // The LoRAs trained on both paths stay close. AdamW normalizes each element's step (≈ ±lr), so gradient elements
        // near zero, whose sign bf16 rounding can flip, move differently: NMSE ~1e-2 after a few steps is expected,
        // a wrong kernel (sign, scale or missing term) gives ~1.
        for (int e = 0; e < 2; e++)
            for (int k = 0; k < cpu.Experts[e].Parameters.Count; k++)
            {
                var p = cpu.Experts[e].Parameters[k]; var q = gpu.Experts[e].Parameters[k];
                double num = 0, den = 0;
                for (int j = 0; j < p.Length; j++) { num += (p[j] - q[j]) * (double)(p[j] - q[j]); den += p[j] * (double)p[j]; }
                Assert.True(num <= 5e-2 * den + 1e-12, $"expert {e} param {k}: NMSE {num / Math.Max(den, 1e-30):E2}");
            }
    }

    [NoGpuFact]
    public void DeviceCudaWithoutAGpuSaysSo()
    {
        using var ws = new TrainWorkspace(items: 1, repeats: 1);
        var (code, output) = TrainWorkspace.Run(ws.Options(1, extra: o => o.Device = "cuda"));
        Assert.Equal(1, code);
        Assert.Contains("--device cuda: no CUDA device", output);
    }
}
