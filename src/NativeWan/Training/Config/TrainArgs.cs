using System.Collections;
using System.Globalization;
using System.Reflection;
using NativeWan.Data;

namespace NativeWan.Training.Config;

/// <summary>
/// The arguments of <c>nativewan train</c>, named and defaulted as musubi-tuner's <c>wan_train_network.py</c>
/// (training/parser_common.py, wan_train_network.py): each property carries its flag / config key
/// (<see cref="TrainArgAttribute"/>). Values arrive through <see cref="Set"/> from a config file first, then from the
/// command line, so later sources override earlier ones (musubi's <c>--config_file</c> rule). Every value is checked
/// when set; cross-checks (required models, windows, dataset choice) happen when the job is prepared.
/// </summary>
public sealed class TrainArgs
{
    // ------------------------------------------------------------------ config and models

    /// <summary><c>--config_file</c>: TOML whose keys are these flag names; command-line flags override it.</summary>
    [TrainArg("config_file")] public string? ConfigFile { get; set; }
    /// <summary><c>--dit</c>: the DiT (the low-noise expert when <see cref="DitHighNoise"/> is given).</summary>
    [TrainArg("dit")] public string? Dit { get; set; }
    /// <summary><c>--dit_high_noise</c>: the high-noise expert; both experts are then trained in one job.</summary>
    [TrainArg("dit_high_noise")] public string? DitHighNoise { get; set; }
    /// <summary><c>--task</c>: <c>t2v-A14B</c> (default) or <c>i2v-A14B</c>.</summary>
    [TrainArg("task")] public string Task { get; set; } = Generation.WanTaskDefaults.T2VA14B.Name;
    /// <summary><c>--timestep_boundary</c> as a fraction (0.875 or 875 accepted); null = the task's default.</summary>
    [TrainArg("timestep_boundary")] public double? TimestepBoundary { get; set; }

    // ------------------------------------------------------------------ data

    /// <summary><c>--dataset_config</c>: musubi dataset TOML.</summary>
    [TrainArg("dataset_config")] public string? DatasetConfig { get; set; }
    /// <summary><c>--data</c>: quick mode, a folder of images/videos with captions (NativeWan only).</summary>
    [TrainArg("data")] public string? Data { get; set; }
    /// <summary><c>--resolution W,H</c> for <see cref="Data"/> (default 960,544).</summary>
    [TrainArg("resolution")] public Resolution Resolution { get; set; } = new(960, 544);

    // ------------------------------------------------------------------ network

    /// <summary><c>--network_module</c>: only <c>networks.lora_wan</c>.</summary>
    [TrainArg("network_module")] public string NetworkModule { get; set; } = "networks.lora_wan";
    /// <summary><c>--network_dim</c>: LoRA rank (musubi's LoRA default 4).</summary>
    [TrainArg("network_dim")] public int NetworkDim { get; set; } = 4;
    /// <summary><c>--network_alpha</c> (default 1; 0 = rank).</summary>
    [TrainArg("network_alpha")] public double NetworkAlpha { get; set; } = 1;
    /// <summary><c>--network_args</c>: <c>key=value</c> entries (exclude_patterns, include_patterns).</summary>
    [TrainArg("network_args")] public IReadOnlyList<string> NetworkArgs { get; set; } = [];
    /// <summary><c>--network_weights</c>: initial LoRA weights (loaded into every expert's LoRA).</summary>
    [TrainArg("network_weights")] public string? NetworkWeights { get; set; }
    /// <summary><c>--shared_lora</c>: one LoRA for both experts (musubi's behaviour) instead of one per expert.</summary>
    [TrainArg("shared_lora")] public bool SharedLora { get; set; }

    // ------------------------------------------------------------------ optimizer and schedule

    /// <summary><c>--learning_rate</c> (musubi default 2e-6).</summary>
    [TrainArg("learning_rate")] public double LearningRate { get; set; } = 2e-6;
    /// <summary><c>--optimizer_type</c>: AdamW (default) only.</summary>
    [TrainArg("optimizer_type")] public string OptimizerType { get; set; } = OptimizerArgs.AdamW;
    /// <summary><c>--optimizer_args</c>: weight_decay=, betas=, eps=.</summary>
    [TrainArg("optimizer_args")] public IReadOnlyList<string> OptimizerArgsList { get; set; } = [];
    /// <summary><c>--lr_scheduler</c> (default constant).</summary>
    [TrainArg("lr_scheduler")] public string LrScheduler { get; set; } = "constant";
    /// <summary><c>--lr_warmup_steps</c>: integer steps or a float fraction of the total (default 0).</summary>
    [TrainArg("lr_warmup_steps")] public WarmupSteps LrWarmupSteps { get; set; }
    /// <summary><c>--lr_scheduler_num_cycles</c> (default 1).</summary>
    [TrainArg("lr_scheduler_num_cycles")] public int LrSchedulerNumCycles { get; set; } = 1;
    /// <summary><c>--lr_scheduler_power</c> (default 1).</summary>
    [TrainArg("lr_scheduler_power")] public double LrSchedulerPower { get; set; } = 1;
    /// <summary><c>--lr_scheduler_min_lr_ratio</c> (default none = 0).</summary>
    [TrainArg("lr_scheduler_min_lr_ratio")] public double? LrSchedulerMinLrRatio { get; set; }
    /// <summary><c>--gradient_accumulation_steps</c> (default 1).</summary>
    [TrainArg("gradient_accumulation_steps")] public int GradientAccumulationSteps { get; set; } = 1;
    /// <summary><c>--max_grad_norm</c> (default 1.0; 0 = no clipping).</summary>
    [TrainArg("max_grad_norm")] public double MaxGradNorm { get; set; } = 1.0;

    // ------------------------------------------------------------------ timesteps

    /// <summary><c>--timestep_sampling</c>: sigma (default), uniform, sigmoid, shift, logsnr.</summary>
    [TrainArg("timestep_sampling")] public string TimestepSampling { get; set; } = "sigma";
    /// <summary><c>--discrete_flow_shift</c> (default 1.0).</summary>
    [TrainArg("discrete_flow_shift")] public double DiscreteFlowShift { get; set; } = 1.0;
    /// <summary><c>--sigmoid_scale</c> (default 1.0).</summary>
    [TrainArg("sigmoid_scale")] public double SigmoidScale { get; set; } = 1.0;
    /// <summary><c>--logit_mean</c> (default 0.0).</summary>
    [TrainArg("logit_mean")] public double LogitMean { get; set; }
    /// <summary><c>--logit_std</c> (default 1.0).</summary>
    [TrainArg("logit_std")] public double LogitStd { get; set; } = 1.0;
    /// <summary><c>--weighting_scheme</c>: only none (the default).</summary>
    [TrainArg("weighting_scheme")] public string WeightingScheme { get; set; } = "none";
    /// <summary><c>--min_timestep</c> (0…1000; none = 0).</summary>
    [TrainArg("min_timestep")] public int? MinTimestep { get; set; }
    /// <summary><c>--max_timestep</c> (0…1000; none = 1000).</summary>
    [TrainArg("max_timestep")] public int? MaxTimestep { get; set; }
    /// <summary><c>--preserve_distribution_shape</c>.</summary>
    [TrainArg("preserve_distribution_shape")] public bool PreserveDistributionShape { get; set; }

    // ------------------------------------------------------------------ length, saving, resuming

    /// <summary><c>--max_train_steps</c> (default 1600).</summary>
    [TrainArg("max_train_steps")] public int MaxTrainSteps { get; set; } = 1600;
    /// <summary><c>--max_train_epochs</c>: overrides <see cref="MaxTrainSteps"/>.</summary>
    [TrainArg("max_train_epochs")] public int? MaxTrainEpochs { get; set; }
    /// <summary><c>--save_every_n_steps</c>.</summary>
    [TrainArg("save_every_n_steps")] public int? SaveEveryNSteps { get; set; }
    /// <summary><c>--save_every_n_epochs</c>.</summary>
    [TrainArg("save_every_n_epochs")] public int? SaveEveryNEpochs { get; set; }
    /// <summary><c>--save_state</c>: also write a resumable state with every save and at the end.</summary>
    [TrainArg("save_state")] public bool SaveState { get; set; }
    /// <summary><c>--save_state_on_train_end</c>: write the state at the end.</summary>
    [TrainArg("save_state_on_train_end")] public bool SaveStateOnTrainEnd { get; set; }
    /// <summary><c>--resume</c>: a state file written by a previous run.</summary>
    [TrainArg("resume")] public string? Resume { get; set; }
    /// <summary><c>--seed</c>; none = random (printed, and kept in the state for resuming).</summary>
    [TrainArg("seed")] public long? Seed { get; set; }
    /// <summary><c>--output_dir</c> (required).</summary>
    [TrainArg("output_dir")] public string? OutputDir { get; set; }
    /// <summary><c>--output_name</c> (required).</summary>
    [TrainArg("output_name")] public string? OutputName { get; set; }
    /// <summary><c>--sample_prompts</c>: musubi's per-line prompt file; previews need <see cref="Vae"/> and <see cref="T5"/>.</summary>
    [TrainArg("sample_prompts")] public string? SamplePrompts { get; set; }
    /// <summary><c>--sample_every_n_steps</c>.</summary>
    [TrainArg("sample_every_n_steps")] public int? SampleEveryNSteps { get; set; }
    /// <summary><c>--sample_every_n_epochs</c>.</summary>
    [TrainArg("sample_every_n_epochs")] public int? SampleEveryNEpochs { get; set; }
    /// <summary><c>--sample_at_first</c>: also sample before the first step.</summary>
    [TrainArg("sample_at_first")] public bool SampleAtFirst { get; set; }
    /// <summary><c>--vae</c>: the VAE used to decode previews.</summary>
    [TrainArg("vae")] public string? Vae { get; set; }
    /// <summary><c>--t5</c>: the umT5 encoder (with embedded tokenizer, or see <see cref="Spm"/>) used for preview prompts.</summary>
    [TrainArg("t5")] public string? T5 { get; set; }
    /// <summary><c>--spm</c>: SentencePiece model when the <see cref="T5"/> file embeds none.</summary>
    [TrainArg("spm")] public string? Spm { get; set; }
    /// <summary><c>--gradient_checkpointing</c>: keep block inputs only and recompute in backward.</summary>
    [TrainArg("gradient_checkpointing")] public bool GradientCheckpointing { get; set; }
    /// <summary><c>--lora_format</c>: musubi (default), comfy or both.</summary>
    [TrainArg("lora_format")] public string LoraFormat { get; set; } = "musubi";
    /// <summary><c>--device</c>: <c>cpu</c> (default; the float32 reference) or <c>cuda</c> / <c>cuda:N</c> (the CUDA kernels).</summary>
    [TrainArg("device")] public string Device { get; set; } = "cpu";
    /// <summary><c>--save_precision</c>: float (default), fp16, bf16.</summary>
    [TrainArg("save_precision")] public string SavePrecision { get; set; } = "float";
    /// <summary><c>--no_metadata</c>: write only musubi's minimum metadata keys.</summary>
    [TrainArg("no_metadata")] public bool NoMetadata { get; set; }
    /// <summary><c>--training_comment</c> (ss_training_comment).</summary>
    [TrainArg("training_comment")] public string? TrainingComment { get; set; }
    /// <summary><c>--metadata_title</c> (modelspec.title; default the output name).</summary>
    [TrainArg("metadata_title")] public string? MetadataTitle { get; set; }
    /// <summary><c>--metadata_author</c>.</summary>
    [TrainArg("metadata_author")] public string? MetadataAuthor { get; set; }
    /// <summary><c>--metadata_description</c>.</summary>
    [TrainArg("metadata_description")] public string? MetadataDescription { get; set; }
    /// <summary><c>--metadata_license</c>.</summary>
    [TrainArg("metadata_license")] public string? MetadataLicense { get; set; }
    /// <summary><c>--metadata_tags</c>.</summary>
    [TrainArg("metadata_tags")] public string? MetadataTags { get; set; }

    /// <summary>
    /// musubi flags that have no effect on NativeWan's CPU reference path (precision, attention kernels, offloading,
    /// data-loader workers, the VAE/T5 used for sampling, loggers, old-checkpoint pruning). They are accepted so
    /// musubi command lines and config files work unchanged; each one given produces a warning.
    /// </summary>
    public static readonly IReadOnlySet<string> IgnoredKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "mixed_precision", "sdpa", "flash_attn", "flash3", "xformers", "sage_attn", "split_attn", "fp8_base", "fp8_scaled",
        "fp8_t5", "vae_dtype", "clip", "max_data_loader_n_workers", "persistent_data_loader_workers",
        "blocks_to_swap", "offload_inactive_dit", "logging_dir", "log_with", "log_prefix", "vae_cache_cpu",
        "save_last_n_steps", "save_last_n_epochs", "save_last_n_steps_state", "save_last_n_epochs_state", "guidance_scale",
    };

    static readonly Dictionary<string, PropertyInfo> Properties = typeof(TrainArgs).GetProperties()
        .Select(p => (p, a: p.GetCustomAttribute<TrainArgAttribute>()))
        .Where(x => x.a is not null)
        .ToDictionary(x => x.a!.Key, x => x.p, StringComparer.Ordinal);

    readonly Dictionary<string, string> _sources = new(StringComparer.Ordinal);
    readonly List<(string Key, string Source)> _ignored = [];

    /// <summary>Every key with an effect, in declaration order.</summary>
    public static IReadOnlyCollection<string> Keys => Properties.Keys;

    /// <summary>True for a key with an effect or an <see cref="IgnoredKeys">ignored</see> musubi key.</summary>
    public static bool IsKnown(string key) => Properties.ContainsKey(key) || IgnoredKeys.Contains(key);

    /// <summary>Where each key that was set came from (<c>--key</c> or <c>file:line:col</c>), last source wins.</summary>
    public IReadOnlyDictionary<string, string> Sources => _sources;

    /// <summary>Ignored musubi keys that were given, with their source.</summary>
    public IReadOnlyList<(string Key, string Source)> IgnoredGiven => _ignored;

    /// <summary>True when <paramref name="key"/> was set by a config file or the command line.</summary>
    public bool IsGiven(string key) => _sources.ContainsKey(key);

    /// <summary>
    /// Sets <paramref name="key"/> from a raw value: a string (command line: numbers, names, <c>W,H</c>), a bool
    /// (a switch), a string sequence (list flags), or a TOML value (string, long, double, bool, array).
    /// </summary>
    /// <param name="source">Where the value came from, kept in <see cref="Sources"/> for later messages.</param>
    /// <exception cref="TrainArgException">Unknown key, wrong type, or a value out of range / not a known name.</exception>
    public void Set(string key, object raw, string source)
    {
        ArgumentNullException.ThrowIfNull(raw);
        if (IgnoredKeys.Contains(key))
        {
            _ignored.RemoveAll(x => x.Key == key);
            _ignored.Add((key, source));
            return;
        }
        if (!Properties.TryGetValue(key, out var prop)) throw new TrainArgException(key, $"unknown argument '{key}'");
        object value;
        try { value = Validate(key, Convert(key, prop.PropertyType, raw)); }
        catch (TrainArgException) { throw; }
        catch (FormatException e) { throw new TrainArgException(key, e.Message, e); }
        catch (ArgumentException e) { throw new TrainArgException(key, e.Message, e); }
        prop.SetValue(this, value);
        _sources[key] = source;
    }

    static object Convert(string key, Type type, object raw)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(string))
            return raw as string ?? throw Expected(key, "a string", raw);
        if (t == typeof(bool))
            return raw switch
            {
                bool b => b,
                string s when bool.TryParse(s, out var b2) => b2,
                _ => throw Expected(key, "true or false", raw),
            };
        if (t == typeof(int))
        {
            long v = Integer(key, raw);
            return v is >= int.MinValue and <= int.MaxValue ? (int)v : throw new TrainArgException(key, $"{v} is out of range");
        }
        if (t == typeof(long)) return Integer(key, raw);
        if (t == typeof(double)) return Double(key, raw);
        if (t == typeof(IReadOnlyList<string>))
            return raw switch
            {
                string s => (IReadOnlyList<string>)[s],
                IEnumerable e => e.Cast<object?>().Select(x => x as string ?? throw Expected(key, "a list of strings", x)).ToArray(),
                _ => throw Expected(key, "a list of strings", raw),
            };
        if (t == typeof(Resolution)) return ParseResolution(key, raw);
        if (t == typeof(WarmupSteps))
            return raw switch
            {
                string s => WarmupSteps.Parse(s),
                long l => WarmupSteps.FromInteger(l),
                int i => WarmupSteps.FromInteger(i),
                double d => WarmupSteps.FromFloat(d),
                _ => throw Expected(key, "an integer step count or a fraction below 1", raw),
            };
        throw new InvalidOperationException($"no converter for {t}");
    }

    static long Integer(string key, object raw) => raw switch
    {
        long l => l,
        int i => i,
        string s when long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) => v,
        string s => throw new TrainArgException(key, $"'{s}' is not an integer"),
        _ => throw Expected(key, "an integer", raw),
    };

    static double Double(string key, object raw)
    {
        double v = raw switch
        {
            double d => d,
            long l => l,
            int i => i,
            string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d2) => d2,
            string s => throw new TrainArgException(key, $"'{s}' is not a number"),
            _ => throw Expected(key, "a number", raw),
        };
        return double.IsFinite(v) ? v : throw new TrainArgException(key, $"{v} is not a finite number");
    }

    static Resolution ParseResolution(string key, object raw)
    {
        int[] sides = raw switch
        {
            long l => [(int)Math.Clamp(l, int.MinValue, int.MaxValue)],
            int i => [i],
            string s => s.Split([',', 'x', 'X', '*'], StringSplitOptions.TrimEntries).Select(p =>
                int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
                    : throw new TrainArgException(key, $"'{s}' is not W,H (e.g. 960,544)")).ToArray(),
            IEnumerable e => e.Cast<object?>().Select(x => x is long l2 && l2 is > 0 and <= int.MaxValue ? (int)l2
                : throw Expected(key, "[W, H] integers", x)).ToArray(),
            _ => throw Expected(key, "W,H", raw),
        };
        if (sides.Length == 1) sides = [sides[0], sides[0]];
        if (sides.Length != 2 || sides[0] <= 0 || sides[1] <= 0)
            throw new TrainArgException(key, $"resolution needs two positive sides W,H, got {string.Join(",", sides)}");
        return new Resolution(sides[0], sides[1]);
    }

    static TrainArgException Expected(string key, string what, object? raw) =>
        new(key, $"expected {what}, got {Describe(raw)}");

    static string Describe(object? raw) => raw switch
    {
        null => "nothing",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        long or int or double => System.Convert.ToString(raw, CultureInfo.InvariantCulture)!,
        IEnumerable => "an array",
        _ => global::NativeWan.Config.Toml.TomlTable.TypeName(raw),
    };

    static object Validate(string key, object v)
    {
        switch (key)
        {
            case "task":
                try { return Generation.WanTaskDefaults.Parse((string)v).Name; }
                catch (ArgumentException e) { throw new FormatException(e.Message); }
            case "timestep_boundary":
            {
                double b = (double)v;
                if (b > 1) b /= 1000.0; // musubi: an integer boundary is on the 0…1000 scale
                return b is > 0 and < 1 ? b : throw new FormatException($"{PythonRepr.Float((double)v)} must be a fraction in (0, 1) or a timestep in (1, 1000)");
            }
            case "network_module":
                return (string)v is "networks.lora_wan" or "lora_wan" ? "networks.lora_wan"
                    : throw new FormatException($"network module '{v}' is not supported yet (networks.lora_wan only)");
            case "network_dim": return Positive(key, (int)v);
            case "network_alpha": return (double)v >= 0 ? v : throw new FormatException("must be >= 0 (0 means alpha = network_dim)");
            case "learning_rate": return (double)v >= 0 ? v : throw new FormatException("must be >= 0");
            case "optimizer_type": return OptimizerArgs.ParseType((string)v);
            case "optimizer_args": OptimizerArgs.ParseAdamW((IReadOnlyList<string>)v); return v;
            case "network_args": Lora.LoraTargetOptions.FromNetworkArgs((IReadOnlyList<string>)v); return v;
            case "lr_scheduler": LrSchedule.ParseType((string)v); return ((string)v).Trim().ToLowerInvariant();
            case "lr_scheduler_num_cycles": return Positive(key, (int)v);
            case "lr_scheduler_min_lr_ratio": return (double)v is >= 0 and <= 1 ? v : throw new FormatException("must be in [0, 1]");
            case "gradient_accumulation_steps": return Positive(key, (int)v);
            case "max_grad_norm": return (double)v >= 0 ? v : throw new FormatException("must be >= 0 (0 disables clipping)");
            case "timestep_sampling":
            {
                var s = ((string)v).Trim().ToLowerInvariant();
                if (s is "flux_shift" or "flux2_shift" or "qwen_shift" or "qinglong_flux" or "qinglong_qwen" or "ideogram4_shift" or "krea2_shift")
                    throw new FormatException($"timestep_sampling '{s}' is not supported yet (sigma, uniform, sigmoid, shift, logsnr)");
                TimestepSamplingOptions.ParseMethod(s);
                return s;
            }
            case "discrete_flow_shift": return (double)v > 0 ? v : throw new FormatException("must be > 0");
            case "logit_std": return (double)v > 0 ? v : throw new FormatException("must be > 0");
            case "weighting_scheme":
                return ((string)v).Trim().ToLowerInvariant() == "none" ? "none"
                    : throw new FormatException($"weighting_scheme '{v}' is not supported yet (none only)");
            case "min_timestep" or "max_timestep":
                return (int)v is >= 0 and <= 1000 ? v : throw new FormatException($"{v} must be within 0…1000");
            case "max_train_steps" or "max_train_epochs" or "save_every_n_steps" or "save_every_n_epochs"
                or "sample_every_n_steps" or "sample_every_n_epochs": return Positive(key, (int)v);
            case "seed": return (long)v >= 0 ? v : throw new FormatException("must be >= 0");
            case "device":
            {
                var d = ((string)v).Trim().ToLowerInvariant();
                return d == "cpu" || d == "cuda" || (d.StartsWith("cuda:") && int.TryParse(d[5..], out var ord) && ord >= 0) ? d
                    : throw new FormatException($"unknown device '{v}' (cpu, cuda, cuda:N)");
            }
            case "lora_format":
                return ((string)v).Trim().ToLowerInvariant() is var f && f is "musubi" or "comfy" or "both" ? f
                    : throw new FormatException($"unknown lora_format '{v}' (musubi, comfy, both)");
            case "save_precision":
                return ((string)v).Trim().ToLowerInvariant() switch
                {
                    "float" or "fp32" or "float32" => "float",
                    "fp16" or "float16" or "half" => "fp16",
                    "bf16" or "bfloat16" => "bf16",
                    _ => throw new FormatException($"unknown save_precision '{v}' (float, fp16, bf16)"),
                };
            case "output_name" or "output_dir" or "dit" or "dit_high_noise" or "dataset_config" or "data" or "resume" or "network_weights" or "config_file"
                or "sample_prompts" or "vae" or "t5" or "spm":
                return ((string)v).Length > 0 ? v : throw new FormatException("must not be empty");
            default: return v;
        }
    }

    static int Positive(string key, int v) => v >= 1 ? v : throw new TrainArgException(key, $"must be at least 1, got {v}");
}
