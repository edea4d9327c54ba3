using System.Globalization;
using System.Security.Cryptography;
using NativeWan.Config.Toml;
using NativeWan.Data;
using NativeWan.IO;
using NativeWan.IO.SafeTensors;
using NativeWan.Lora;
using NativeWan.Models.Wan;
using NativeWan.Numerics;
using NativeWan.Training.Config;

namespace NativeWan.Training;

/// <summary>How a run ended.</summary>
/// <param name="Interrupted">Stopped early by the cancellation token (state and LoRAs written).</param>
/// <param name="Step">Optimizer steps completed.</param>
/// <param name="EvalStart">Evaluation loss when this run started (null when interrupted before it).</param>
/// <param name="EvalEnd">Evaluation loss at the end (null when interrupted).</param>
/// <param name="EvalInitial">Evaluation loss of the untrained LoRA (step 0; carried through resumes).</param>
/// <param name="Files">Files written, in order.</param>
public sealed record TrainResult(bool Interrupted, int Step, double? EvalStart, double? EvalEnd, double? EvalInitial, IReadOnlyList<string> Files);

/// <summary>
/// One <c>nativewan train</c> run on the float32 CPU reference (<see cref="WanDit"/>), built from musubi-style
/// <see cref="TrainArgs"/>: loads the DiT(s) (<c>--dit</c> = the low-noise expert when <c>--dit_high_noise</c> is
/// given; one job trains both, each step's sampled timestep picking the expert), scans the dataset and loads its
/// caches, creates one LoRA per expert (or one shared), and runs <see cref="LoraTrainer"/> with metrics, intermediate
/// saves, a resumable state and key-checked LoRA outputs.
/// </summary>
public sealed class TrainJob : IDisposable
{
    /// <summary>Noise levels of the fixed evaluation set.</summary>
    public static readonly float[] EvaluationSigmas = [0.1f, 0.3f, 0.5f, 0.7f, 0.9f];
    /// <summary>Items of the fixed evaluation set (the first distinct ones).</summary>
    public const int EvaluationItems = 4;
    /// <summary>Noise seed of the evaluation set (fixed, so losses of different runs compare).</summary>
    public const ulong EvaluationSeed = 0x5EED_E7A1;

    const string StateSeedKey = "nativewan_train_seed", StateDataKey = "nativewan_train_data", StateEvalKey = "nativewan_eval_loss_initial";

    readonly TrainArgs _args;
    readonly TrainingDataSet _data;
    readonly Dictionary<string, string> _runMetadata;
    readonly IReadOnlySet<string> _modelModules;
    readonly string _singleName;
    double? _evalInitial;
    Generation.PreviewSampler? _preview;
    Ops.Cuda.CudaSession? _cuda;

    /// <summary>Releases the GPU session (<c>--device cuda</c>) and the device copies of the weights.</summary>
    public void Dispose()
    {
        foreach (var e in Trainer.Experts) if (e.Engine is IDisposable d) d.Dispose();
        _cuda?.Dispose();
        _cuda = null;
    }

    /// <summary>The trainer (state, experts).</summary>
    public LoraTrainer Trainer { get; }
    /// <summary>What the run will do.</summary>
    public TrainPlan Plan { get; }
    /// <summary>Output file names.</summary>
    public TrainOutputNames Names { get; }
    /// <summary>The loaded data.</summary>
    public TrainingDataSet Data => _data;

    TrainJob(TrainArgs args, TrainingDataSet data, LoraTrainer trainer, TrainPlan plan, TrainOutputNames names,
        Dictionary<string, string> runMetadata, IReadOnlySet<string> modelModules, string singleName, double? evalInitial)
    {
        _args = args; _data = data; Trainer = trainer; Plan = plan; Names = names; _runMetadata = runMetadata;
        _modelModules = modelModules; _singleName = singleName; _evalInitial = evalInitial;
    }

    /// <summary>Loads models, data and (with <c>--resume</c>) the saved state; nothing is written yet.</summary>
    /// <exception cref="ArgumentException">Missing or contradicting arguments, or a DiT that does not fit the task (the message names the file).</exception>
    /// <exception cref="FileNotFoundException">A model, dataset, cache or state file is missing (cache messages say which command to run).</exception>
    /// <exception cref="ModelFileException">A model, cache, LoRA or state file that cannot be used.</exception>
    /// <exception cref="TomlException">A malformed dataset config.</exception>
    /// <exception cref="DatasetConfigException">An invalid dataset config value.</exception>
    /// <exception cref="DatasetException">An unusable dataset.</exception>
    public static TrainJob Prepare(TrainArgs args, ITrainObserver observer, CancellationToken ct = default)
    {
        // ---------------------------------------------------------------- arguments
        if (args.Dit is null) throw new ArgumentException("--dit is required (the DiT checkpoint; the low-noise expert when --dit_high_noise is given)");
        if (args.OutputDir is null) throw new ArgumentException("--output_dir is required");
        if (args.OutputName is null) throw new ArgumentException("--output_name is required");
        if (args.OutputName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || args.OutputName.Contains('/'))
            throw new ArgumentException($"--output_name '{args.OutputName}' must be a plain file name");
        if ((args.DatasetConfig is null) == (args.Data is null))
            throw new ArgumentException(args.DatasetConfig is null
                ? "give the data: --dataset_config FILE (musubi dataset TOML) or --data DIR (a folder of images/videos with captions)"
                : "give either --dataset_config or --data, not both");
        if (args.MinTimestep is int lo && args.MaxTimestep is int hi && lo >= hi)
            throw new ArgumentException($"--min_timestep {lo} must be below --max_timestep {hi}");
        foreach (var (key, source) in args.IgnoredGiven)
            observer.Warning($"{source}: '{key}' has no effect on NativeWan's CPU reference path; ignored");
        if (args.IsGiven("resolution") && args.DatasetConfig is not null)
            observer.Warning("--resolution applies to --data only; with --dataset_config the resolution comes from the dataset config");
        foreach (var na in args.NetworkArgs)
        {
            var k = na[..Math.Max(0, na.IndexOf('='))].Trim();
            if (k is not ("exclude_patterns" or "include_patterns"))
                observer.Warning($"network arg '{na}' is not supported yet and is ignored (exclude_patterns, include_patterns)");
        }
        var task = Generation.WanTaskDefaults.Parse(args.Task);
        double boundary = args.TimestepBoundary ?? task.Experts.Boundary;
        bool dual = args.DitHighNoise is not null;
        if (!dual && args.SharedLora) observer.Warning("--shared_lora has no effect with a single DiT");

        // ---------------------------------------------------------------- resume: seed and data check come from the state
        IReadOnlyDictionary<string, string>? stateMeta = null;
        if (args.Resume is { } resume)
        {
            if (!File.Exists(resume)) throw new FileNotFoundException($"{resume}: state file not found (--resume)", resume);
            using var sf = SafeTensorsFile.Open(resume);
            stateMeta = new Dictionary<string, string>(sf.Metadata);
        }
        long seed;
        if (stateMeta is not null && stateMeta.TryGetValue(StateSeedKey, out var ss) && long.TryParse(ss, NumberStyles.None, CultureInfo.InvariantCulture, out var savedSeed))
        {
            if (args.Seed is long given && given != savedSeed)
                throw new ArgumentException($"--seed {given} differs from the seed {savedSeed} of the state {args.Resume}; a resumed run must keep its seed");
            seed = savedSeed;
        }
        else
        {
            if (stateMeta is not null && args.Seed is null)
                observer.Warning($"{args.Resume} does not record its seed; pass the original --seed or the resumed run will differ");
            seed = args.Seed ?? RandomNumberGenerator.GetInt32(int.MaxValue);
        }
        if (args.Seed is null && stateMeta is null) observer.Info($"seed: {seed} (random; pass --seed {seed} to repeat this run)");

        // ---------------------------------------------------------------- models: configuration first (cheap), weights after the data checks
        var config = ProbeDit(args.Dit, task);
        if (dual)
        {
            var hc = ProbeDit(args.DitHighNoise!, task);
            if (hc != config)
                throw new ArgumentException($"{args.DitHighNoise} and {args.Dit} have different architectures ({Describe(hc)} vs {Describe(config)})");
        }

        // ---------------------------------------------------------------- data
        DatasetConfig dataset;
        if (args.DatasetConfig is { } dc)
        {
            if (!File.Exists(dc)) throw new FileNotFoundException($"{dc}: dataset config not found", dc);
            dataset = DatasetConfig.FromTable(Toml.ParseFile(dc)!, dc);
        }
        else dataset = DatasetConfig.FromDirectory(args.Data!, args.Resolution);
        observer.Info($"scanning {dataset.SourceName}");
        var scan = DatasetScanner.Scan(dataset, null, ct);
        foreach (var w in scan.Warnings) observer.Warning(w);
        if (dataset.Datasets.Any(d => d.BatchSize > 1))
            observer.Warning("batch_size > 1 is not supported on the CPU reference path: items are processed one at a time; "
                + "use --gradient_accumulation_steps for larger effective batches");
        var data = TrainingData.Load(scan.Items, dataset.Datasets, config, task.IsImageToVideo);
        observer.Info($"loaded {data.Items.Count} cached items ({data.Samples.Count} samples per epoch with repeats)");
        var targetOptions = LoraTargetOptions.FromNetworkArgs(args.NetworkArgs);
        var low = LoadDit(args.Dit, targetOptions, observer, ct);
        var high = dual ? LoadDit(args.DitHighNoise!, targetOptions, observer, ct) : default;

        // ---------------------------------------------------------------- schedule and options
        int accum = args.GradientAccumulationSteps;
        int samples = data.Samples.Count;
        int steps = args.MaxTrainEpochs is int ep ? (int)Math.Min(int.MaxValue, ((long)ep * samples + accum - 1) / accum) : args.MaxTrainSteps;
        var schedule = new LrSchedule(LrSchedule.ParseType(args.LrScheduler), args.LearningRate, steps, args.LrWarmupSteps.Resolve(steps),
            args.LrSchedulerNumCycles, args.LrSchedulerPower, args.LrSchedulerMinLrRatio ?? 0);
        var timesteps = new TimestepSamplingOptions(TimestepSamplingOptions.ParseMethod(args.TimestepSampling), args.DiscreteFlowShift,
            args.SigmoidScale, args.LogitMean, args.LogitStd, args.MinTimestep, args.MaxTimestep, args.PreserveDistributionShape);
        _ = new TimestepSampler(timesteps); // validates the window
        var options = new TrainerOptions
        {
            MaxTrainSteps = steps,
            GradientAccumulationSteps = accum,
            MaxGradNorm = args.MaxGradNorm,
            Schedule = schedule,
            Timesteps = timesteps,
            TimestepBoundary = boundary,
            Seed = (ulong)seed,
            GradientCheckpointing = args.GradientCheckpointing,
        };
        var adam = OptimizerArgs.ParseAdamW(args.OptimizerArgsList);

        // ---------------------------------------------------------------- LoRA networks and experts
        float alpha = (float)args.NetworkAlpha;
        int initSeed = (int)(seed & 0x7FFFFFFF);
        LoraNetwork NewLora(IReadOnlyList<LoraTarget> targets, int s)
        {
            var net = LoraNetwork.Create(targets, args.NetworkDim, alpha, s);
            if (args.NetworkWeights is { } nw) LoadInitialWeights(net, nw, observer);
            return net;
        }
        // --device cuda: one CUDA session, each DiT's weights uploaded as bf16 (WanDitCuda); cpu: the float32 reference.
        Ops.Cuda.CudaSession? cuda = null;
        if (args.Device != "cpu")
        {
            int ordinal = args.Device.StartsWith("cuda:") ? int.Parse(args.Device[5..], System.Globalization.CultureInfo.InvariantCulture) : 0;
            try { cuda = Ops.Cuda.CudaSession.Open(ordinal); }
            catch (InvalidOperationException e) { throw new ArgumentException($"--device {args.Device}: {e.Message}", e); }
            observer.Info($"device: {cuda.Device}, base GEMM {cuda.Gemm.Name}");
        }
        IDitStepEngine? Engine(WanDit dit) =>
            cuda is null ? null : new CudaStepEngine(new Models.Wan.Cuda.WanDitCuda(dit, cuda.Backend, cuda.Gemm), cuda.Device);
        List<TrainExpert> experts;
        string singleName;
        if (dual)
        {
            var h = TrainExpert.Create(ExpertRole.HighNoise, high.Dit, NewLora(high.Targets, initSeed), adam, Engine(high.Dit));
            var l = args.SharedLora ? h.Sharing(ExpertRole.LowNoise, low.Dit, Engine(low.Dit))
                : TrainExpert.Create(ExpertRole.LowNoise, low.Dit, NewLora(low.Targets, initSeed ^ 1), adam, Engine(low.Dit));
            experts = [h, l];
            singleName = "both";
        }
        else
        {
            experts = [TrainExpert.Create(ExpertRole.Single, low.Dit, NewLora(low.Targets, initSeed), adam, Engine(low.Dit))];
            int b = (int)Math.Round(boundary * 1000);
            singleName = (args.MinTimestep ?? 0) >= b ? "high_noise" : (args.MaxTimestep ?? 1000) <= b ? "low_noise" : "both";
        }
        var trainer = new LoraTrainer(options, data.Samples, experts);

        double? evalInitial = null;
        if (args.Resume is { } statePath)
        {
            if (stateMeta!.TryGetValue(StateDataKey, out var fp) && fp != data.Fingerprint)
                throw new ArgumentException($"the dataset differs from the one {statePath} was trained on (items, repeats or cache contents changed); resuming would not continue the same run");
            TrainCheckpoint.Load(trainer, statePath);
            if (stateMeta.TryGetValue(StateEvalKey, out var ev) && double.TryParse(ev, NumberStyles.Float, CultureInfo.InvariantCulture, out var e0)) evalInitial = e0;
            observer.Info($"resumed from {statePath} at step {trainer.State.Step} (epoch {trainer.State.Epoch + 1})");
            if (trainer.State.Step >= steps) observer.Warning($"the state is already at step {trainer.State.Step} of {steps}: nothing left to train");
        }

        // ---------------------------------------------------------------- plan and metadata
        var names = new TrainOutputNames(args.OutputDir, args.OutputName);
        var (pt, ph, pw) = config.PatchSize;
        var buckets = data.Items.GroupBy(i => i.Item.Key).OrderBy(g => g.Key)
            .Select(g => new TrainPlanBucket(g.Key, g.First().Sample.Shape, g.Count(), g.Sum(i => i.Item.Repeats),
                (long)g.First().Sample.Shape.Frames * g.First().Sample.Shape.Height * g.First().Sample.Shape.Width / (pt * ph * pw)))
            .ToList();
        var distinct = DistinctExperts(experts);
        var networks = distinct.Select(e =>
        {
            string name = ExpertName(e, dual, args.SharedLora, singleName);
            string file = names.Final(Suffix(e, dual, args.SharedLora));
            return new TrainPlanNetwork(name, e.Lora.Count, e.Lora.ParameterCount, file);
        }).ToList();
        long dataValues = data.Items.Sum(i => (long)i.Sample.Latent.Length + (i.Sample.Cond?.Length ?? 0))
            + data.Items.DistinctBy(i => i.TextPath).Sum(i => (long)i.Sample.Context.Length);
        var memory = TrainMemoryEstimate.Compute(config, dual ? [high.Parameters, low.Parameters] : [low.Parameters],
            distinct.Select(e => e.Lora.ParameterCount).ToList(), args.NetworkDim, buckets.Max(b => b.Tokens), dataValues, args.GradientCheckpointing);
        var plan = new TrainPlan
        {
            Task = task.Name,
            TimestepBoundary = boundary,
            Models = dual ? [("high_noise", args.DitHighNoise!), ("low_noise", args.Dit)] : [(singleName == "both" ? "single" : singleName, args.Dit)],
            Buckets = buckets,
            GradientAccumulationSteps = accum,
            MaxTrainSteps = steps,
            Networks = networks,
            Lora = (args.NetworkDim, args.NetworkAlpha),
            Memory = memory,
            StartStep = trainer.State.Step,
            Seed = seed,
            Schedule = schedule,
            Timesteps = timesteps,
        };
        var run = new TrainRunInfo
        {
            Args = args,
            SessionId = RandomNumberGenerator.GetInt32(int.MaxValue),
            StartedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0,
            NumTrainItems = samples,
            BatchesPerEpoch = samples,
            NumEpochs = (int)Math.Ceiling(plan.Epochs - 1e-9),
            MaxTrainSteps = steps,
            Seed = seed,
            Task = task,
            TimestepBoundary = boundary,
            Datasets = dataset.Datasets,
            Buckets = buckets.Select(b => (b.Bucket, b.Samples)).ToList(),
        };
        var modules = new HashSet<string>(low.Modules, StringComparer.Ordinal);
        if (dual) modules.IntersectWith(high.Modules);
        var job = new TrainJob(args, data, trainer, plan, names, TrainMetadata.Build(run), modules, singleName, evalInitial) { _cuda = cuda };
        job._preview = LoadPreview(args, task, trainer, observer);
        return job;
    }

    /// <summary>The preview sampler for <c>--sample_prompts</c> (VAE and umT5 loaded once), or null.</summary>
    static Generation.PreviewSampler? LoadPreview(TrainArgs args, Generation.WanTaskDefaults task, LoraTrainer trainer, ITrainObserver observer)
    {
        if (args.SamplePrompts is null)
        {
            if (args.SampleEveryNSteps != null || args.SampleEveryNEpochs != null || args.SampleAtFirst)
                observer.Warning("sampling options given without --sample_prompts: no previews are written");
            return null;
        }
        if (args.Vae is null || args.T5 is null)
            throw new ArgumentException("--sample_prompts needs --vae and --t5 (to decode previews and encode their prompts)");
        var prompts = Generation.SamplePromptFile.Load(args.SamplePrompts);
        observer.Info($"previews: {prompts.Count} prompt(s) from {args.SamplePrompts}");
        var text = Generation.PromptEncoder.Load(args.T5, args.Spm, trainer.Experts[0].Dit.Config.TextLen);
        using var vaeSrc = IO.TensorFiles.Open(args.Vae);
        var vae = Models.Vae.WanVae.Load(vaeSrc);
        return new Generation.PreviewSampler(prompts, text, vae, new Generation.PreviewOptions { Task = task.Task });
    }

    /// <summary>Writes the preview videos for <paramref name="step"/> with the LoRAs trained so far (both experts when there are two).</summary>
    void SamplePreviews(int step, Action<string> saved, CancellationToken stop)
    {
        if (_preview is null) return;
        var ex = Trainer.Experts;
        var hi = ex.FirstOrDefault(e => e.Role == ExpertRole.HighNoise);
        var lo = ex.FirstOrDefault(e => e.Role == ExpertRole.LowNoise) ?? ex.FirstOrDefault(e => e.Role == ExpertRole.Single);
        var files = _preview.Sample(step, Generation.PreviewSampler.Experts(hi?.Dit, hi?.Lora, lo?.Dit, lo?.Lora), _args.OutputDir!, _args.OutputName!, null, stop);
        foreach (var f in files) saved(f);
    }

    readonly record struct LoadedDit(WanDit Dit, IReadOnlyList<LoraTarget> Targets, long Parameters, IReadOnlySet<string> Modules);

    /// <summary>Reads a DiT's configuration from its header and checks in_dim against the task.</summary>
    static WanConfig ProbeDit(string path, Generation.WanTaskDefaults task)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: DiT checkpoint not found", path);
        using var src = TensorFiles.Open(path, stripPrefix: "model.diffusion_model.");
        var cfg = WanConfig.FromWeights(src);
        if (cfg.InDim != task.InDim)
            throw new ArgumentException($"{path}: this DiT has in_dim {cfg.InDim} ({cfg.ModelType}) but --task {task.Name} needs in_dim {task.InDim}"
                + (cfg.InDim == Generation.WanTaskDefaults.I2VA14B.InDim ? " (it looks like an I2V model: use --task i2v-A14B)"
                    : cfg.InDim == Generation.WanTaskDefaults.T2VA14B.InDim ? " (it looks like a T2V model: use --task t2v-A14B)" : ""));
        return cfg;
    }

    static LoadedDit LoadDit(string path, LoraTargetOptions targetOptions, ITrainObserver observer, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        observer.Info($"loading DiT {path}");
        using var src = TensorFiles.Open(path, stripPrefix: "model.diffusion_model.");
        var targets = LoraTargets.FromWeights(src, targetOptions);
        if (targets.Count == 0) throw new ArgumentException($"{path}: no Linear is left to train after the network_args patterns");
        long parameters = src.Tensors.Sum(t => t.ElementCount);
        var modules = LoraKeyCheck.ModelModules(src);
        var dit = WanDit.Load(src);
        return new LoadedDit(dit, targets, parameters, modules);
    }

    static string Describe(WanConfig c) => $"dim {c.Dim}, ffn {c.FfnDim}, {c.NumLayers} layers, in_dim {c.InDim}";

    static void LoadInitialWeights(LoraNetwork net, string path, ITrainObserver observer)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: LoRA file not found (--network_weights)", path);
        var loaded = LoraFile.Load(path);
        int matched = 0;
        foreach (var m in net.Modules)
        {
            var src = loaded.Network.Find(m.ModulePath);
            if (src is null) continue;
            if (src.Rank != m.Rank || src.In != m.In || src.Out != m.Out)
                throw new ModelFileException(path, m.ModulePath, $"module has rank {src.Rank} [{src.Out}x{src.In}], this run needs rank {m.Rank} [{m.Out}x{m.In}] (--network_dim)");
            src.Down.CopyTo(m.Down, 0);
            src.Up.CopyTo(m.Up, 0);
            m.Alpha = src.Alpha;
            matched++;
        }
        if (matched == 0) throw new ModelFileException(path, null, "no LoRA module of this file matches a trained module (--network_weights)");
        int extra = loaded.Network.Count - matched;
        if (matched < net.Count || extra > 0)
            observer.Warning($"{path}: initialized {matched} of {net.Count} modules; {net.Count - matched} start fresh, {extra} in the file are not trained");
        else observer.Info($"initialized the LoRA from {path}");
    }

    static List<TrainExpert> DistinctExperts(IReadOnlyList<TrainExpert> experts)
    {
        var list = new List<TrainExpert>();
        foreach (var e in experts) if (!list.Any(x => ReferenceEquals(x.Lora, e.Lora))) list.Add(e);
        return list;
    }

    static string Suffix(TrainExpert e, bool dual, bool shared) => dual && !shared ? e.Suffix : "";

    static string ExpertName(TrainExpert e, bool dual, bool shared, string single) =>
        dual && !shared ? MetricsLog.ExpertName(e.Role) : single;

    /// <summary>
    /// Runs from the current step to the end, or until <paramref name="stop"/> fires (checked between steps: the
    /// running step finishes, then the state and LoRAs are written). Writes the metrics log throughout.
    /// </summary>
    /// <exception cref="InvalidDataException">A saved LoRA has keys ComfyUI would not load (never expected; a loud failure).</exception>
    public TrainResult Run(ITrainObserver observer, CancellationToken stop = default)
    {
        var files = new List<string>();
        void Saved(string p) { files.Add(p); observer.Saved(p); }
        int total = Plan.MaxTrainSteps;
        int n = _data.Samples.Count;
        var metrics = new MetricsLog(Names.Metrics, Plan.StartStep > 0 ? Plan.StartStep : null);
        var evalItems = _data.Items.Take(EvaluationItems).Select(i => i.Sample).ToList();

        double? evalStart = null, evalEnd = null;
        if (!stop.IsCancellationRequested)
        {
            evalStart = Trainer.EvaluationLoss(evalItems, EvaluationSigmas, EvaluationSeed);
            if (Plan.StartStep == 0) _evalInitial = evalStart;
            metrics.AddEvaluation(Trainer.State.Step, evalStart.Value, EvaluationSigmas);
            observer.Evaluation("start", Trainer.State.Step, evalStart.Value);
        }

        if (_args.SampleAtFirst && Plan.StartStep == 0 && !stop.IsCancellationRequested) SamplePreviews(0, Saved, stop);

        int EpochsDone() => (int)(((long)Trainer.State.Epoch * n + Trainer.State.Cursor) / n);
        int doneBefore = EpochsDone();
        bool interrupted = false;
        while (Trainer.State.Step < total)
        {
            if (stop.IsCancellationRequested) { interrupted = true; break; }
            var p = Trainer.Step();
            int epochNow = Trainer.State.Epoch + 1;
            metrics.Add(p, epochNow);
            observer.Step(p, epochNow, total);
            if (_args.SaveEveryNSteps is int ns && p.Step % ns == 0)
            {
                SaveLoras(s => Names.Step(p.Step, s), p.Step, Saved);
                if (_args.SaveState) SaveState(Names.StepState(p.Step), Saved);
                metrics.Flush();
            }
            if (_args.SampleEveryNSteps is int ss && p.Step % ss == 0) SamplePreviews(p.Step, Saved, stop);
            int done = EpochsDone();
            if (_args.SaveEveryNEpochs is int ne && done > doneBefore && done % ne == 0 && p.Step < total)
            {
                SaveLoras(s => Names.Epoch(done, s), p.Step, Saved);
                if (_args.SaveState) SaveState(Names.EpochState(done), Saved);
                metrics.Flush();
            }
            if (_args.SampleEveryNEpochs is int se && done > doneBefore && done % se == 0) SamplePreviews(p.Step, Saved, stop);
            doneBefore = done;
        }
        if (!interrupted && stop.IsCancellationRequested && Trainer.State.Step < total) interrupted = true;

        int step = Trainer.State.Step;
        if (interrupted)
        {
            SaveState(Names.State, Saved);
            SaveLoras(s => Names.Step(step, s), step, Saved);
        }
        else
        {
            evalEnd = Trainer.EvaluationLoss(evalItems, EvaluationSigmas, EvaluationSeed);
            metrics.AddEvaluation(step, evalEnd.Value, EvaluationSigmas);
            observer.Evaluation("end", step, evalEnd.Value);
            SaveLoras(Names.Final, step, Saved);
            if (_args.SaveState || _args.SaveStateOnTrainEnd) SaveState(Names.State, Saved);
        }
        metrics.Flush();
        Saved(Names.Metrics);
        return new TrainResult(interrupted, step, evalStart, evalEnd, _evalInitial, files);
    }

    int EpochForMetadata() => (int)Math.Ceiling(((double)Trainer.State.Epoch * _data.Samples.Count + Trainer.State.Cursor) / _data.Samples.Count);

    void SaveState(string path, Action<string> saved)
    {
        var extra = new Dictionary<string, string>
        {
            [StateSeedKey] = Plan.Seed.ToString(CultureInfo.InvariantCulture),
            [StateDataKey] = _data.Fingerprint,
            ["nativewan_train_max_steps"] = Plan.MaxTrainSteps.ToString(CultureInfo.InvariantCulture),
            ["nativewan_output_name"] = Names.Name,
        };
        if (_evalInitial is double e) extra[StateEvalKey] = e.ToString("R", CultureInfo.InvariantCulture);
        TrainCheckpoint.Save(Trainer, path, extra);
        saved(path);
    }

    void SaveLoras(Func<string, string> pathFor, int step, Action<string> saved)
    {
        bool dual = Trainer.Experts.Count == 2;
        var dtype = _args.SavePrecision switch { "fp16" => DType.F16, "bf16" => DType.BF16, _ => DType.F32 };
        var now = DateTimeOffset.Now;
        foreach (var e in DistinctExperts(Trainer.Experts))
        {
            var path = pathFor(Suffix(e, dual, _args.SharedLora));
            var meta = TrainMetadata.ForSave(_runMetadata, _args, step, EpochForMetadata(), ExpertName(e, dual, _args.SharedLora, _singleName), now);
            var outputs = _args.LoraFormat switch
            {
                "comfy" => [(path, LoraFormat.Comfy)],
                "both" => new[] { (path, LoraFormat.Musubi), (TrainOutputNames.ComfyVariant(path), LoraFormat.Comfy) },
                _ => [(path, LoraFormat.Musubi)],
            };
            foreach (var (p, format) in outputs)
            {
                LoraFile.Save(e.Lora, p, format, meta, dtype);
                CheckKeys(p);
                saved(p);
            }
        }
    }

    /// <summary>Runs <see cref="LoraKeyCheck"/> on a saved file: every key must map to a module of the trained DiT(s).</summary>
    void CheckKeys(string path)
    {
        using var src = TensorFiles.Open(path);
        var problems = LoraKeyCheck.Check(src).Concat(LoraKeyCheck.Check(src.Tensors.Select(t => t.Name), _modelModules)).Distinct().ToList();
        if (problems.Count > 0)
            throw new InvalidDataException($"{path}: {problems.Count} LoRA key problem(s); ComfyUI would not load it fully:\n  "
                + string.Join("\n  ", problems.Take(10)));
    }
}
