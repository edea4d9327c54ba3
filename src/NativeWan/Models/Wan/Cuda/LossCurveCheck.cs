using System.Diagnostics;
using NativeWan.IO.SafeTensors;
using NativeWan.Lora;
using NativeWan.Numerics;
using NativeWan.Ops.Cuda;
using NativeWan.Optim;
using NativeWan.Training;

namespace NativeWan.Models.Wan.Cuda;

/// <summary>Settings of <see cref="LossCurveCheck.Run"/>.</summary>
public sealed record LossCurveOptions
{
    /// <summary>Optimizer steps on each path (default 50).</summary>
    public int Steps { get; init; } = 50;
    /// <summary>Seed of the model weights, the LoRA init, the data and the trainer (timesteps, noise, order).</summary>
    public ulong Seed { get; init; } = 11;
    /// <summary>Training items (random latents and contexts).</summary>
    public int Items { get; init; } = 2;
    /// <summary>Latent frames of every item (channels = the model's out_dim).</summary>
    public int Frames { get; init; } = 2;
    /// <summary>Latent height of every item.</summary>
    public int Height { get; init; } = 4;
    /// <summary>Latent width of every item.</summary>
    public int Width { get; init; } = 4;
    /// <summary>Text tokens per item.</summary>
    public int ContextTokens { get; init; } = 5;
    /// <summary>Constant learning rate.</summary>
    public double LearningRate { get; init; } = 3e-3;
    /// <summary>LoRA rank and alpha.</summary>
    public int Rank { get; init; } = 4;
    /// <inheritdoc cref="Rank"/>
    public float Alpha { get; init; } = 4;
    /// <summary>Pass threshold on the curves' max relative difference (1 %).</summary>
    public double Threshold { get; init; } = 0.01;
}

/// <summary>Result of <see cref="LossCurveCheck.Run"/>.</summary>
/// <param name="Description">The setup in one ASCII line (for the table's shape column).</param>
/// <param name="CpuLosses">Loss per step on the float32 CPU reference.</param>
/// <param name="GpuLosses">Loss per step on the kernels.</param>
/// <param name="Experts">Expert of each step (the same on both paths unless <paramref name="Mismatch"/> says otherwise).</param>
/// <param name="Threshold">Pass threshold on <see cref="MaxRelativeDifference"/>.</param>
/// <param name="Mismatch">First step where the two runs drew different experts or timesteps (a trainer bug), else null.</param>
/// <param name="CpuSeconds">Wall time of the CPU run.</param>
/// <param name="GpuSeconds">Wall time of the kernel run (including the weight uploads).</param>
public sealed record LossCurveReport(string Description, IReadOnlyList<double> CpuLosses, IReadOnlyList<double> GpuLosses,
    IReadOnlyList<ExpertRole> Experts, double Threshold, string? Mismatch, double CpuSeconds, double GpuSeconds)
{
    /// <summary>max over steps of |gpu − cpu| / |cpu|.</summary>
    public double MaxRelativeDifference => ErrorMetrics.MaxRelativeError(GpuLosses.ToArray(), CpuLosses.ToArray());

    /// <summary>The 1-based step of <see cref="MaxRelativeDifference"/>.</summary>
    public int WorstStep
    {
        get
        {
            int worst = 0; double w = -1;
            for (int i = 0; i < CpuLosses.Count; i++)
            {
                double r = ErrorMetrics.MaxRelativeError([GpuLosses[i]], [CpuLosses[i]]);
                if (double.IsNaN(r) || r > w) { w = double.IsNaN(r) ? double.PositiveInfinity : r; worst = i + 1; }
            }
            return worst;
        }
    }

    /// <summary>Both runs completed the same steps on the same experts and the curves agree within <see cref="Threshold"/>.</summary>
    public bool Passed => Mismatch is null && CpuLosses.Count > 0 && CpuLosses.Count == GpuLosses.Count && MaxRelativeDifference <= Threshold;

    /// <summary>One verify-kernels row: metric rel = the max relative difference, NMSE and max|err| over the whole curve.</summary>
    public IReadOnlyList<VerifyRow> ToRows(string family = DitStepVerifier.CurveFamily)
    {
        string op = $"LoraTrainer.Step x{CpuLosses.Count}";
        if (Mismatch is not null) return [VerifyRow.Failed(family, op, Description, Mismatch)];
        return [VerifyRow.Relative(family, op, Description, "loss curve GPU vs CPU", DType.F32, GpuLosses.ToArray(), CpuLosses.ToArray(), Threshold)];
    }

    /// <summary>"steps high/low 19/31; loss 2.31 → 2.05 (CPU), worst step 37 (rel 2.1e-3); CPU 0.8 s, GPU 1.2 s".</summary>
    public string Summary()
    {
        int high = Experts.Count(e => e == ExpertRole.HighNoise), low = Experts.Count(e => e == ExpertRole.LowNoise);
        string loss = CpuLosses.Count == 0 ? "no steps" :
            FormattableString.Invariant($"loss {CpuLosses[0]:G4} -> {CpuLosses[^1]:G4} (CPU), {GpuLosses[0]:G4} -> {GpuLosses[^1]:G4} (GPU)");
        return FormattableString.Invariant(
            $"steps on the high/low-noise expert {high}/{low}; {loss}; worst step {WorstStep} (rel {MaxRelativeDifference:E2}); CPU {CpuSeconds:F1} s, GPU {GpuSeconds:F1} s");
    }
}

/// <summary>
/// Trains the same dual-expert LoRA twice with <see cref="LoraTrainer"/> from one seed — once on the float32 CPU
/// reference (<see cref="CpuStepEngine"/>), once on the kernels (<see cref="CudaStepEngine"/>) — on the tiny T2V DiT
/// (<see cref="TinyModels.DitConfig"/>, random weights from <see cref="WanRandomInit"/>) with random latents and
/// contexts, and compares the two loss curves. Same seed means the same items, timesteps, noise and experts on both
/// paths, so the curves differ only by bf16 rounding and its effect on the AdamW updates.
/// </summary>
public static class LossCurveCheck
{
    /// <summary>Runs both trainings on <paramref name="backend"/> / <paramref name="gemm"/> (a GPU session or the host emulator).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Steps, items, sizes, rank or learning rate not positive.</exception>
    public static LossCurveReport Run(IKernelBackend backend, IGemm gemm, LossCurveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(backend); ArgumentNullException.ThrowIfNull(gemm);
        var o = options ?? new LossCurveOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(o.Steps, nameof(o.Steps));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(o.Items, nameof(o.Items));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(o.Frames, nameof(o.Frames));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(o.Height, nameof(o.Height));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(o.Width, nameof(o.Width));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(o.ContextTokens, nameof(o.ContextTokens));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(o.Rank, nameof(o.Rank));
        if (!(o.LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(options), $"learning rate {o.LearningRate} is not positive");

        var cfg = TinyModels.DitConfig(WanModelType.T2V);
        var (high, highTargets) = RandomDit(cfg, o.Seed * 2 + 101);
        var (low, lowTargets) = RandomDit(cfg, o.Seed * 2 + 202);
        var data = RandomData(cfg, o);
        var adam = new AdamWOptions();
        var trainer = new TrainerOptions
        {
            MaxTrainSteps = o.Steps,
            Schedule = new LrSchedule(LrSchedulerType.Constant, o.LearningRate, o.Steps),
            Timesteps = new TimestepSamplingOptions(TimestepSampling.Shift, DiscreteFlowShift: 3),
            Seed = o.Seed,
        };
        int loraSeed = (int)(o.Seed % 1_000_000);
        TrainExpert[] Experts(IDitStepEngine? hi, IDitStepEngine? lo) =>
        [
            TrainExpert.Create(ExpertRole.HighNoise, high, LoraNetwork.Create(highTargets, o.Rank, o.Alpha, loraSeed + 1), adam, hi),
            TrainExpert.Create(ExpertRole.LowNoise, low, LoraNetwork.Create(lowTargets, o.Rank, o.Alpha, loraSeed + 2), adam, lo),
        ];

        var sw = Stopwatch.StartNew();
        var cpu = new LoraTrainer(trainer, data, Experts(null, null));
        var cpuSteps = new List<TrainProgress>(o.Steps);
        for (int i = 0; i < o.Steps; i++) cpuSteps.Add(cpu.Step());
        double cpuSeconds = sw.Elapsed.TotalSeconds;

        sw.Restart();
        var gpuSteps = new List<TrainProgress>(o.Steps);
        using (var gh = new CudaStepEngine(new WanDitCuda(high, backend, gemm), backend.Description))
        using (var gl = new CudaStepEngine(new WanDitCuda(low, backend, gemm), backend.Description))
        {
            var gpu = new LoraTrainer(trainer, data, Experts(gh, gl));
            for (int i = 0; i < o.Steps; i++) gpuSteps.Add(gpu.Step());
        }
        double gpuSeconds = sw.Elapsed.TotalSeconds;

        string? mismatch = null;
        for (int i = 0; i < o.Steps && mismatch is null; i++)
        {
            var a = cpuSteps[i]; var b = gpuSteps[i];
            if (a.Expert != b.Expert || !a.Timesteps.SequenceEqual(b.Timesteps))
                mismatch = $"step {i + 1}: the CPU run drew expert {a.Expert} t=[{string.Join(", ", a.Timesteps)}], the GPU run {b.Expert} t=[{string.Join(", ", b.Timesteps)}]";
        }
        string description = FormattableString.Invariant(
            $"tiny t2v dim={cfg.Dim} layers={cfg.NumLayers}, 2 experts, {o.Items} items latent={cfg.OutDim}x{o.Frames}x{o.Height}x{o.Width}, rank {o.Rank}, lr {o.LearningRate:G3}, seed {o.Seed}");
        return new LossCurveReport(description, cpuSteps.Select(s => s.Loss).ToArray(), gpuSteps.Select(s => s.Loss).ToArray(),
            cpuSteps.Select(s => s.Expert).ToArray(), o.Threshold, mismatch, cpuSeconds, gpuSeconds);
    }

    /// <summary>A DiT with random weights (<see cref="WanRandomInit"/>) loaded as the CPU model, and its LoRA targets.</summary>
    static (WanDit Dit, IReadOnlyList<LoraTarget> Targets) RandomDit(WanConfig cfg, ulong seed)
    {
        // The loader reads safetensors; a temporary file keeps this on the same path as a real checkpoint.
        var path = Path.Combine(Path.GetTempPath(), $"nativewan-curve-{Environment.ProcessId}-{Guid.NewGuid():N}.safetensors");
        try
        {
            WanRandomInit.Create(cfg, seed).Save(path);
            using var src = SafeTensorsFile.Open(path);
            return (WanDit.Load(src), LoraTargets.FromWeights(src));
        }
        finally
        {
            try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Items with N(0, 1) latents [out_dim, F, H, W] and contexts [tokens, text_dim].</summary>
    static List<TrainingSample> RandomData(WanConfig cfg, LossCurveOptions o)
    {
        var rng = new Prng(o.Seed ^ 0x5DEECE66DUL);
        var shape = new LatentShape(cfg.OutDim, o.Frames, o.Height, o.Width);
        var items = new List<TrainingSample>(o.Items);
        for (int i = 0; i < o.Items; i++)
        {
            var x = new float[shape.Elements]; rng.FillGaussian(x);
            var c = new float[o.ContextTokens * cfg.TextDim]; rng.FillGaussian(c);
            items.Add(new TrainingSample($"item{i}", x, shape, c));
        }
        return items;
    }
}
