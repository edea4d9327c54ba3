using CommandLine;

namespace NativeWan.Cli.Commands;

/// <summary>
/// Flags of <c>nativewan train</c>, spelled as musubi-tuner's <c>wan_train_network.py</c> (underscores). Values are
/// kept as typed on the command line and converted and checked by <see cref="NativeWan.Training.Config.TrainArgs"/>,
/// so a flag and the same key in <c>--config_file</c> behave identically. The option's long name is the key.
/// </summary>
[Verb("train", HelpText = "Train a Wan 2.2 LoRA (musubi-tuner flags; CPU float32 reference). Needs latent and text caches (nativewan cache-latents / cache-text).")]
public sealed class TrainOptions
{
    [Option("config_file", HelpText = "TOML file whose keys are these flag names without dashes (sections are flattened, as musubi); flags given here override it.")]
    public string? ConfigFile { get; set; }

    [Option("dit", HelpText = "DiT checkpoint (.safetensors, sharded index or .pth). With --dit_high_noise this is the low-noise expert.")]
    public string? Dit { get; set; }

    [Option("dit_high_noise", HelpText = "High-noise expert DiT: both experts are trained in one job, each step's sampled timestep picks the expert.")]
    public string? DitHighNoise { get; set; }

    [Option("task", HelpText = "t2v-A14B (default) or i2v-A14B: sets the default --timestep_boundary (0.875 / 0.9) and the DiT in_dim checked (16 / 36).")]
    public string? Task { get; set; }

    [Option("timestep_boundary", HelpText = "Expert boundary: a fraction (0.875) or a timestep (875); t >= boundary trains the high-noise expert. Default: the task's.")]
    public string? TimestepBoundary { get; set; }

    [Option("dataset_config", HelpText = "musubi dataset config (TOML with [general] and [[datasets]]).")]
    public string? DatasetConfig { get; set; }

    [Option("data", HelpText = "Quick mode: a folder of images/videos with same-name .txt captions (instead of --dataset_config).")]
    public string? Data { get; set; }

    [Option("resolution", HelpText = "W,H for --data (default 960,544).")]
    public string? Resolution { get; set; }

    [Option("network_module", HelpText = "networks.lora_wan (the only one; accepted for musubi command lines).")]
    public string? NetworkModule { get; set; }

    [Option("network_dim", HelpText = "LoRA rank (default 4).")]
    public string? NetworkDim { get; set; }

    [Option("network_alpha", HelpText = "LoRA alpha (default 1; 0 = rank). The LoRA scale is alpha / dim.")]
    public string? NetworkAlpha { get; set; }

    [Option("network_args", HelpText = "key=value entries: exclude_patterns=[...], include_patterns=[...] (Python regex lists, fullmatch on module paths).")]
    public IEnumerable<string> NetworkArgs { get; set; } = [];

    [Option("network_weights", HelpText = "Start from this LoRA file (every expert's LoRA; ranks must match --network_dim).")]
    public string? NetworkWeights { get; set; }

    [Option("shared_lora", HelpText = "Train one LoRA for both experts (musubi's behaviour) instead of one per expert (_high_noise / _low_noise files).")]
    public bool SharedLora { get; set; }

    [Option("learning_rate", HelpText = "Learning rate (default 2e-6, musubi's).")]
    public string? LearningRate { get; set; }

    [Option("optimizer_type", HelpText = "adamw (default; the only one so far).")]
    public string? OptimizerType { get; set; }

    [Option("optimizer_args", HelpText = "AdamW arguments: weight_decay=0.01 betas=0.9,0.999 eps=1e-8.")]
    public IEnumerable<string> OptimizerArgs { get; set; } = [];

    [Option("lr_scheduler", HelpText = "constant (default), constant_with_warmup, linear, cosine, cosine_with_restarts, polynomial.")]
    public string? LrScheduler { get; set; }

    [Option("lr_warmup_steps", HelpText = "Warmup: integer steps, or a float below 1 = fraction of the total steps (default 0).")]
    public string? LrWarmupSteps { get; set; }

    [Option("lr_scheduler_num_cycles", HelpText = "Restarts of cosine_with_restarts (default 1).")]
    public string? LrSchedulerNumCycles { get; set; }

    [Option("lr_scheduler_power", HelpText = "Power of the polynomial schedule (default 1).")]
    public string? LrSchedulerPower { get; set; }

    [Option("lr_scheduler_min_lr_ratio", HelpText = "Floor of the decaying schedules as a fraction of the learning rate (default 0).")]
    public string? LrSchedulerMinLrRatio { get; set; }

    [Option("gradient_accumulation_steps", HelpText = "Items per optimizer step (default 1).")]
    public string? GradientAccumulationSteps { get; set; }

    [Option("max_grad_norm", HelpText = "Global gradient-norm clip (default 1.0; 0 disables).")]
    public string? MaxGradNorm { get; set; }

    [Option("timestep_sampling", HelpText = "sigma (default), uniform, sigmoid, shift, logsnr.")]
    public string? TimestepSampling { get; set; }

    [Option("discrete_flow_shift", HelpText = "Flow shift of the sigma table and of 'shift' sampling (default 1.0; Wan docs use 3.0-5.0).")]
    public string? DiscreteFlowShift { get; set; }

    [Option("sigmoid_scale", HelpText = "Scale of sigmoid/shift sampling (default 1.0).")]
    public string? SigmoidScale { get; set; }

    [Option("logit_mean", HelpText = "Mean of logsnr sampling (default 0.0). Negative values: --logit_mean=-0.5.")]
    public string? LogitMean { get; set; }

    [Option("logit_std", HelpText = "Std of logsnr sampling (default 1.0).")]
    public string? LogitStd { get; set; }

    [Option("weighting_scheme", HelpText = "none (the only one so far).")]
    public string? WeightingScheme { get; set; }

    [Option("min_timestep", HelpText = "Lower end of the trained timestep window, 0-1000 (default 0).")]
    public string? MinTimestep { get; set; }

    [Option("max_timestep", HelpText = "Upper end of the trained timestep window, 0-1000 (default 1000).")]
    public string? MaxTimestep { get; set; }

    [Option("preserve_distribution_shape", HelpText = "Reject samples outside the timestep window instead of rescaling into it.")]
    public bool PreserveDistributionShape { get; set; }

    [Option("max_train_steps", HelpText = "Optimizer steps (default 1600).")]
    public string? MaxTrainSteps { get; set; }

    [Option("max_train_epochs", HelpText = "Epochs; overrides --max_train_steps.")]
    public string? MaxTrainEpochs { get; set; }

    [Option("save_every_n_steps", HelpText = "Save {output_name}-stepNNNNNNNN.safetensors every N steps.")]
    public string? SaveEveryNSteps { get; set; }

    [Option("save_every_n_epochs", HelpText = "Save {output_name}-NNNNNN.safetensors every N epochs.")]
    public string? SaveEveryNEpochs { get; set; }

    [Option("save_state", HelpText = "Also save a resumable state with every save and at the end.")]
    public bool SaveState { get; set; }

    [Option("save_state_on_train_end", HelpText = "Save a resumable state at the end.")]
    public bool SaveStateOnTrainEnd { get; set; }

    [Option("resume", HelpText = "Continue from a state file ({output_name}-state.safetensors); the result is bit-identical to an uninterrupted run.")]
    public string? Resume { get; set; }

    [Option("seed", HelpText = "Random seed for data order, timesteps, noise and LoRA init (default: random, printed).")]
    public string? Seed { get; set; }

    [Option("output_dir", HelpText = "Output folder (required).")]
    public string? OutputDir { get; set; }

    [Option("output_name", HelpText = "Base name of the output files (required).")]
    public string? OutputName { get; set; }

    [Option("gradient_checkpointing", HelpText = "Keep only block inputs and recompute in backward (less memory, slower).")]
    public bool GradientCheckpointing { get; set; }

    [Option("device", HelpText = "cpu (default: the float32 reference) or cuda / cuda:N (the CUDA kernels; needs an NVIDIA driver and NVRTC).")]
    public string? Device { get; set; }

    [Option("lora_format", HelpText = "musubi (default; lora_unet_* keys), comfy (diffusion_model.* lora_A/lora_B) or both (adds *_comfy.safetensors).")]
    public string? LoraFormat { get; set; }

    [Option("save_precision", HelpText = "float (default), fp16 or bf16 for the saved LoRA tensors.")]
    public string? SavePrecision { get; set; }

    [Option("no_metadata", HelpText = "Write only the minimum metadata (base model, network module/dim/alpha/args).")]
    public bool NoMetadata { get; set; }

    [Option("training_comment", HelpText = "Stored as ss_training_comment.")]
    public string? TrainingComment { get; set; }

    [Option("metadata_title", HelpText = "modelspec.title (default: the output name).")]
    public string? MetadataTitle { get; set; }

    [Option("metadata_author", HelpText = "modelspec.author.")]
    public string? MetadataAuthor { get; set; }

    [Option("metadata_description", HelpText = "modelspec.description.")]
    public string? MetadataDescription { get; set; }

    [Option("metadata_license", HelpText = "modelspec.license.")]
    public string? MetadataLicense { get; set; }

    [Option("metadata_tags", HelpText = "modelspec.tags.")]
    public string? MetadataTags { get; set; }

    // ---- musubi flags without effect on the CPU reference path (accepted with a warning)

    [Option("sdpa", Hidden = true)]
    public bool IgnoredSdpa { get; set; }

    [Option("flash_attn", Hidden = true)]
    public bool IgnoredFlashAttn { get; set; }

    [Option("flash3", Hidden = true)]
    public bool IgnoredFlash3 { get; set; }

    [Option("xformers", Hidden = true)]
    public bool IgnoredXformers { get; set; }

    [Option("sage_attn", Hidden = true)]
    public bool IgnoredSageAttn { get; set; }

    [Option("split_attn", Hidden = true)]
    public bool IgnoredSplitAttn { get; set; }

    [Option("fp8_base", Hidden = true)]
    public bool IgnoredFp8Base { get; set; }

    [Option("fp8_scaled", Hidden = true)]
    public bool IgnoredFp8Scaled { get; set; }

    [Option("fp8_t5", Hidden = true)]
    public bool IgnoredFp8T5 { get; set; }

    [Option("persistent_data_loader_workers", Hidden = true)]
    public bool IgnoredPersistentDataLoaderWorkers { get; set; }

    [Option("offload_inactive_dit", Hidden = true)]
    public bool IgnoredOffloadInactiveDit { get; set; }

    [Option("vae_cache_cpu", Hidden = true)]
    public bool IgnoredVaeCacheCpu { get; set; }

    [Option("mixed_precision", Hidden = true)]
    public string? IgnoredMixedPrecision { get; set; }

    [Option("vae", HelpText = "VAE for decoding preview samples (with --sample_prompts).")]
    public string? Vae { get; set; }

    [Option("t5", HelpText = "umT5 encoder for preview prompts (with --sample_prompts); --spm if it embeds no tokenizer.")]
    public string? T5 { get; set; }

    [Option("spm", HelpText = "SentencePiece model for --t5 files without an embedded tokenizer.")]
    public string? Spm { get; set; }

    [Option("sample_prompts", HelpText = "musubi prompt file (one per line: prompt --w W --h H --f F --d SEED --s STEPS --l CFG --n NEG --i IMAGE) for preview videos.")]
    public string? SamplePrompts { get; set; }

    [Option("sample_every_n_steps", HelpText = "Write preview videos every N steps.")]
    public string? SampleEveryNSteps { get; set; }

    [Option("sample_every_n_epochs", HelpText = "Write preview videos every N epochs.")]
    public string? SampleEveryNEpochs { get; set; }

    [Option("sample_at_first", HelpText = "Also write preview videos before the first step.")]
    public bool SampleAtFirst { get; set; }

    [Option("vae_dtype", Hidden = true)]
    public string? IgnoredVaeDtype { get; set; }


    [Option("clip", Hidden = true)]
    public string? IgnoredClip { get; set; }

    [Option("max_data_loader_n_workers", Hidden = true)]
    public string? IgnoredMaxDataLoaderNWorkers { get; set; }

    [Option("blocks_to_swap", Hidden = true)]
    public string? IgnoredBlocksToSwap { get; set; }

    [Option("logging_dir", Hidden = true)]
    public string? IgnoredLoggingDir { get; set; }

    [Option("log_with", Hidden = true)]
    public string? IgnoredLogWith { get; set; }

    [Option("log_prefix", Hidden = true)]
    public string? IgnoredLogPrefix { get; set; }

    [Option("save_last_n_steps", Hidden = true)]
    public string? IgnoredSaveLastNSteps { get; set; }

    [Option("save_last_n_epochs", Hidden = true)]
    public string? IgnoredSaveLastNEpochs { get; set; }

    [Option("save_last_n_steps_state", Hidden = true)]
    public string? IgnoredSaveLastNStepsState { get; set; }

    [Option("save_last_n_epochs_state", Hidden = true)]
    public string? IgnoredSaveLastNEpochsState { get; set; }

    [Option("guidance_scale", Hidden = true)]
    public string? IgnoredGuidanceScale { get; set; }
}
