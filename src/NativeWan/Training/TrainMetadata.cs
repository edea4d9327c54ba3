using System.Globalization;
using NativeWan.Data;
using NativeWan.Training.Config;

namespace NativeWan.Training;

/// <summary>Facts about a run that go into the LoRA metadata besides the arguments.</summary>
public sealed record TrainRunInfo
{
    /// <summary>The arguments (after config file and command line).</summary>
    public required TrainArgs Args { get; init; }
    /// <summary>Random id shared by all files of one run (<c>ss_session_id</c>).</summary>
    public required long SessionId { get; init; }
    /// <summary>Unix time the run started, seconds.</summary>
    public required double StartedAt { get; init; }
    /// <summary>Samples per epoch, items × repeats (<c>ss_num_train_items</c>).</summary>
    public required int NumTrainItems { get; init; }
    /// <summary>Micro-batches (items) per epoch (<c>ss_num_batches_per_epoch</c>).</summary>
    public required int BatchesPerEpoch { get; init; }
    /// <summary>Epochs the run covers, rounded up (<c>ss_num_epochs</c>).</summary>
    public required int NumEpochs { get; init; }
    /// <summary>Effective optimizer steps (<c>ss_max_train_steps</c>).</summary>
    public required int MaxTrainSteps { get; init; }
    /// <summary>Effective seed (<c>ss_seed</c>).</summary>
    public required long Seed { get; init; }
    /// <summary>The task.</summary>
    public required Generation.WanTaskDefaults Task { get; init; }
    /// <summary>Expert boundary as a fraction.</summary>
    public required double TimestepBoundary { get; init; }
    /// <summary>Datasets as musubi's <c>dataset.get_metadata()</c>.</summary>
    public required IReadOnlyList<DatasetEntry> Datasets { get; init; }
    /// <summary>Samples per (W, H, F) bucket.</summary>
    public required IReadOnlyList<(BucketKey Bucket, int Samples)> Buckets { get; init; }
}

/// <summary>
/// The safetensors metadata of saved LoRAs, as musubi-tuner writes it (training/trainer_base.py: every value
/// <c>str()</c>-ed Python style; utils/sai_model_spec.py for <c>modelspec.*</c>), plus NativeWan's
/// <c>ss_min_timestep</c>/<c>ss_max_timestep</c> (effective window), <c>ss_bucket_info</c>, <c>nativewan_task</c>,
/// <c>nativewan_timestep_boundary</c> and <c>nativewan_expert</c> (<c>high_noise</c>, <c>low_noise</c> or <c>both</c>).
/// With <c>--no_metadata</c> only musubi's minimum keys (base model, network module/dim/alpha/args), the
/// <c>modelspec.*</c> keys and <c>nativewan_expert</c> are written.
/// </summary>
public static class TrainMetadata
{
    /// <summary>musubi's <c>ss_network_module</c> for Wan LoRAs.</summary>
    public const string NetworkModule = "networks.lora_wan";
    /// <summary>musubi's <c>ss_base_model_version</c> for Wan (ARCHITECTURE_WAN_FULL).</summary>
    public const string BaseModelVersion = "wan";

    static readonly string[] MinimumKeys = ["ss_base_model_version", "ss_network_module", "ss_network_dim", "ss_network_alpha", "ss_network_args"];

    /// <summary>The run-wide keys (before <see cref="ForSave"/> adds the per-file ones).</summary>
    public static Dictionary<string, string> Build(TrainRunInfo run)
    {
        var a = run.Args;
        var m = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ss_session_id"] = run.SessionId.ToString(CultureInfo.InvariantCulture),
            ["ss_training_started_at"] = PythonRepr.Float(run.StartedAt),
            ["ss_output_name"] = PythonRepr.Str(a.OutputName),
            ["ss_learning_rate"] = PythonRepr.Float(a.LearningRate),
            ["ss_num_train_items"] = run.NumTrainItems.ToString(CultureInfo.InvariantCulture),
            ["ss_num_batches_per_epoch"] = run.BatchesPerEpoch.ToString(CultureInfo.InvariantCulture),
            ["ss_num_epochs"] = run.NumEpochs.ToString(CultureInfo.InvariantCulture),
            ["ss_gradient_checkpointing"] = PythonRepr.Bool(a.GradientCheckpointing),
            ["ss_gradient_checkpointing_cpu_offload"] = PythonRepr.Bool(false),
            ["ss_gradient_accumulation_steps"] = a.GradientAccumulationSteps.ToString(CultureInfo.InvariantCulture),
            ["ss_max_train_steps"] = run.MaxTrainSteps.ToString(CultureInfo.InvariantCulture),
            ["ss_lr_warmup_steps"] = a.LrWarmupSteps.ToString(),
            ["ss_lr_scheduler"] = a.LrScheduler,
            ["ss_base_model_version"] = BaseModelVersion,
            ["ss_network_module"] = NetworkModule,
            ["ss_network_dim"] = a.NetworkDim.ToString(CultureInfo.InvariantCulture),
            ["ss_network_alpha"] = a.IsGiven("network_alpha") ? PythonRepr.Float(a.NetworkAlpha) : "1", // musubi's default is the int literal 1
            ["ss_network_dropout"] = "None",
            ["ss_mixed_precision"] = "no",
            ["ss_seed"] = run.Seed.ToString(CultureInfo.InvariantCulture),
            ["ss_training_comment"] = PythonRepr.Str(a.TrainingComment),
            ["ss_optimizer"] = OptimizerArgs.MetadataName(a.OptimizerArgsList),
            ["ss_max_grad_norm"] = PythonRepr.Float(a.MaxGradNorm),
            ["ss_fp8_base"] = PythonRepr.Bool(false),
            ["ss_full_fp16"] = PythonRepr.Bool(false),
            ["ss_full_bf16"] = PythonRepr.Bool(false),
            ["ss_weighting_scheme"] = a.WeightingScheme,
            ["ss_logit_mean"] = PythonRepr.Float(a.LogitMean),
            ["ss_logit_std"] = PythonRepr.Float(a.LogitStd),
            ["ss_mode_scale"] = PythonRepr.Float(1.29),
            ["ss_guidance_scale"] = PythonRepr.Float(1.0),
            ["ss_timestep_sampling"] = a.TimestepSampling,
            ["ss_sigmoid_scale"] = PythonRepr.Float(a.SigmoidScale),
            ["ss_discrete_flow_shift"] = PythonRepr.Float(a.DiscreteFlowShift),
            ["ss_min_timestep"] = (a.MinTimestep ?? 0).ToString(CultureInfo.InvariantCulture),
            ["ss_max_timestep"] = (a.MaxTimestep ?? 1000).ToString(CultureInfo.InvariantCulture),
            ["ss_datasets"] = PythonRepr.Json(run.Datasets.Select(DatasetMetadata).ToList()),
            ["ss_bucket_info"] = PythonRepr.Json(BucketInfo(run.Buckets)),
            ["nativewan_task"] = run.Task.Name,
            ["nativewan_timestep_boundary"] = PythonRepr.Float(run.TimestepBoundary),
        };
        if (a.NetworkArgs.Count > 0)
            m["ss_network_args"] = PythonRepr.Json(a.NetworkArgs.Select(s =>
            {
                int eq = s.IndexOf('=');
                return new KeyValuePair<string, object?>(s[..eq].Trim(), s[(eq + 1)..]);
            }).ToList());
        if (a.Dit is { } dit) m["ss_sd_model_name"] = File.Exists(dit) ? Path.GetFileName(dit) : dit;
        if (a.DitHighNoise is { } hi) m["nativewan_dit_high_noise"] = File.Exists(hi) ? Path.GetFileName(hi) : hi;
        if (a.NoMetadata)
            foreach (var k in m.Keys.ToList())
                if (!MinimumKeys.Contains(k)) m.Remove(k);
        return m;
    }

    /// <summary>
    /// The metadata of one saved file: <paramref name="run"/>'s keys plus <c>ss_steps</c>, <c>ss_epoch</c>,
    /// <c>ss_training_finished_at</c>, the <c>modelspec.*</c> keys and <c>nativewan_expert</c>.
    /// </summary>
    public static Dictionary<string, string> ForSave(IReadOnlyDictionary<string, string> run, TrainArgs args, int steps, int epoch, string expert, DateTimeOffset now)
    {
        var m = new Dictionary<string, string>(run, StringComparer.Ordinal);
        if (!args.NoMetadata)
        {
            m["ss_training_finished_at"] = PythonRepr.Float(now.ToUnixTimeMilliseconds() / 1000.0);
            m["ss_steps"] = steps.ToString(CultureInfo.InvariantCulture);
            m["ss_epoch"] = epoch.ToString(CultureInfo.InvariantCulture);
        }
        m["modelspec.sai_model_spec"] = "1.0.0";
        m["modelspec.architecture"] = "wan2.1/lora";
        m["modelspec.implementation"] = "https://github.com/Wan-Video/Wan2.1";
        m["modelspec.title"] = args.MetadataTitle ?? args.OutputName ?? $"LoRA@{now.ToUnixTimeSeconds()}";
        if (args.MetadataAuthor is { } au) m["modelspec.author"] = au;
        if (args.MetadataDescription is { } de) m["modelspec.description"] = de;
        if (args.MetadataLicense is { } li) m["modelspec.license"] = li;
        if (args.MetadataTags is { } ta) m["modelspec.tags"] = ta;
        m["modelspec.date"] = now.ToLocalTime().ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        m["modelspec.resolution"] = "1280x720";
        if (args.MinTimestep is not null || args.MaxTimestep is not null)
            m["modelspec.timestep_range"] = $"{args.MinTimestep ?? 0},{args.MaxTimestep ?? 1000}";
        m["nativewan_expert"] = expert;
        return m;
    }

    /// <summary>musubi's per-dataset metadata (BaseDataset/ImageDataset/VideoDataset <c>get_metadata</c>).</summary>
    static List<KeyValuePair<string, object?>> DatasetMetadata(DatasetEntry e)
    {
        var d = new List<KeyValuePair<string, object?>>
        {
            new("resolution", new[] { e.Resolution.Width, e.Resolution.Height }),
            new("caption_extension", e.CaptionExtension),
            new("batch_size_per_device", e.BatchSize),
            new("num_repeats", e.NumRepeats),
            new("enable_bucket", e.EnableBucket),
            new("bucket_no_upscale", e.BucketNoUpscale),
        };
        static string? Base(string? p) => p is null ? null : Path.GetFileName(Path.TrimEndingDirectorySeparator(p));
        if (e.Kind == DatasetKind.Image)
        {
            if (e.ImageDirectory != null) d.Add(new("image_directory", Base(e.ImageDirectory)));
            if (e.ImageJsonlFile != null) d.Add(new("image_jsonl_file", Base(e.ImageJsonlFile)));
        }
        else
        {
            if (e.VideoDirectory != null) d.Add(new("video_directory", Base(e.VideoDirectory)));
            if (e.VideoJsonlFile != null) d.Add(new("video_jsonl_file", Base(e.VideoJsonlFile)));
        }
        if (e.ControlDirectory != null) d.Add(new("control_directory", Base(e.ControlDirectory)));
        if (e.Kind == DatasetKind.Video)
        {
            d.Add(new("frame_extraction", e.FrameExtraction.ToString().ToLowerInvariant()));
            d.Add(new("frame_stride", e.FrameStride));
            d.Add(new("frame_sample", e.FrameSample));
            d.Add(new("target_frames", e.TargetFrames.ToArray()));
            d.Add(new("max_frames", e.MaxFrames));
            d.Add(new("source_fps", e.SourceFps));
        }
        d.Add(new("has_control", e.ControlDirectory != null));
        return d;
    }

    /// <summary>sd-scripts' <c>ss_bucket_info</c> shape: <c>{"buckets": {"0": {"resolution": [W, H, F], "count": n}, …}}</c>.</summary>
    static List<KeyValuePair<string, object?>> BucketInfo(IReadOnlyList<(BucketKey Bucket, int Samples)> buckets) =>
    [
        new("buckets", buckets.Select((b, i) => new KeyValuePair<string, object?>(i.ToString(CultureInfo.InvariantCulture),
            new List<KeyValuePair<string, object?>>
            {
                new("resolution", new[] { b.Bucket.Width, b.Bucket.Height, b.Bucket.Frames }),
                new("count", b.Samples),
            })).ToList()),
    ];
}
