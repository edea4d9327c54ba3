using NativeWan.Data;
using NativeWan.Lora;
using NativeWan.Models.Vae;
using NativeWan.Models.Wan;
using NativeWan.Sampling;

namespace NativeWan.Generation;

/// <summary>Settings of <see cref="PreviewSampler"/>; per-prompt options override the defaults.</summary>
public sealed record PreviewOptions
{
    /// <summary>The task being trained (selects shift, boundary, guidance defaults and whether prompts need <c>--i</c>).</summary>
    public required WanTask Task { get; init; }
    /// <summary>Width when a prompt has no <c>--w</c> (musubi: 256).</summary>
    public int DefaultWidth { get; init; } = 256;
    /// <summary>Height when a prompt has no <c>--h</c> (musubi: 256).</summary>
    public int DefaultHeight { get; init; } = 256;
    /// <summary>Frames when a prompt has no <c>--f</c> (musubi: 1).</summary>
    public int DefaultFrames { get; init; } = 1;
    /// <summary>Steps when a prompt has no <c>--s</c> (musubi: 20).</summary>
    public int DefaultSteps { get; init; } = 20;
    /// <summary>Shift when a prompt has no <c>--fs</c>; null = the task's official shift (musubi uses 14.5).</summary>
    public double? DefaultShift { get; init; }
    /// <summary>Seed when a prompt has no <c>--d</c> (musubi draws a random one; fixed here so previews are comparable).</summary>
    public ulong DefaultSeed { get; init; } = 42;
    /// <summary>Solver (musubi previews use UniPC).</summary>
    public FlowSolver Solver { get; init; } = FlowSolver.UniPC;
    /// <summary>MP4 encoder settings.</summary>
    public VideoWriteOptions Video { get; init; } = new();
}

/// <summary>
/// Preview videos during training, as musubi's <c>--sample_prompts</c>: at construction every prompt and negative prompt
/// is encoded once (the text encoder can be released afterwards) and I2V start images are decoded; each
/// <see cref="Sample(int, GenerationExperts, string, string, Action{int, DenoiseProgress}?, CancellationToken)"/> call
/// then renders every prompt with the current DiT(s) and LoRA(s) and writes
/// <c>{outputDir}/{outputName}_step{N:000000}_{index:00}.mp4</c>.
/// Per-prompt resolution: width/height rounded down to multiples of 16 (at least 16), frames to 4n+1, steps clamped to
/// 1…1000; a missing negative prompt means the official default one; <c>--l</c> sets the CFG scale of both experts,
/// otherwise each expert uses the task's default scale.
/// </summary>
public sealed class PreviewSampler
{
    readonly float[][] _context, _negative;
    readonly RgbImage?[] _images;

    /// <summary>The prompts.</summary>
    public IReadOnlyList<SamplePrompt> Prompts { get; }
    /// <summary>The settings.</summary>
    public PreviewOptions Options { get; }
    /// <summary>The VAE used to decode (and encode I2V images).</summary>
    public WanVae Vae { get; }

    /// <summary>Prepares the prompts.</summary>
    /// <exception cref="ArgumentException">No prompts; an I2V task with a prompt that has no <c>--i</c>.</exception>
    /// <exception cref="MediaException">An image that cannot be decoded.</exception>
    public PreviewSampler(IReadOnlyList<SamplePrompt> prompts, PromptEncoder text, WanVae vae, PreviewOptions options)
    {
        ArgumentNullException.ThrowIfNull(prompts); ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(vae); ArgumentNullException.ThrowIfNull(options);
        if (prompts.Count == 0) throw new ArgumentException("no sample prompts");
        Prompts = prompts; Options = options; Vae = vae;
        bool i2v = WanTaskDefaults.For(options.Task).IsImageToVideo;
        _context = new float[prompts.Count][];
        _negative = new float[prompts.Count][];
        _images = new RgbImage?[prompts.Count];
        for (int i = 0; i < prompts.Count; i++)
        {
            var p = prompts[i];
            if (i2v && string.IsNullOrEmpty(p.ImagePath))
                throw new ArgumentException($"sample prompt {p.Index} ('{p.Prompt}') has no --i image, which the I2V task needs");
            if (i2v) _images[i] = ImageDecoder.Decode(p.ImagePath!);
            _context[i] = text.Encode(p.Prompt);
            _negative[i] = text.Encode(string.IsNullOrEmpty(p.NegativePrompt) ? WanTaskDefaults.DefaultNegativePrompt : p.NegativePrompt);
        }
    }

    /// <summary>The output file name of prompt <paramref name="promptIndex"/> at step <paramref name="step"/>.</summary>
    public static string FileName(string outputName, int step, int promptIndex) => $"{outputName}_step{step:D6}_{promptIndex:D2}.mp4";

    /// <summary>The fully resolved request of prompt <paramref name="i"/> (position in <see cref="Prompts"/>).</summary>
    public GenerationRequest RequestFor(int i)
    {
        var p = Prompts[i];
        var d = WanTaskDefaults.For(Options.Task);
        static int Round16(int v) => Math.Max(16, v / 16 * 16);
        int frames = Math.Max(1, p.Frames ?? Options.DefaultFrames);
        frames = (frames - 1) / 4 * 4 + 1;
        var experts = p.GuidanceScale is float g ? d.Experts with { LowNoiseGuidance = g, HighNoiseGuidance = g } : d.Experts;
        return new GenerationRequest
        {
            Prompt = p.Prompt, NegativePrompt = p.NegativePrompt,
            Width = Round16(p.Width ?? Options.DefaultWidth), Height = Round16(p.Height ?? Options.DefaultHeight), Frames = frames,
            Steps = Math.Clamp(p.Steps ?? Options.DefaultSteps, 1, 1000), Shift = p.Shift ?? Options.DefaultShift ?? d.Shift,
            Experts = experts, Solver = Options.Solver, Seed = p.Seed ?? Options.DefaultSeed, Image = _images[i],
        };
    }

    /// <summary>
    /// Renders every prompt with <paramref name="experts"/> and writes the MP4s into <paramref name="outputDir"/>.
    /// </summary>
    /// <param name="step">Training step (in the file name).</param>
    /// <param name="experts">The current model(s) with their LoRAs, e.g. from <see cref="Experts"/>.</param>
    /// <param name="outputDir">Folder of the LoRA files (created if missing).</param>
    /// <param name="outputName">musubi <c>--output_name</c>.</param>
    /// <param name="progress">Called per denoising step with the prompt position.</param>
    /// <param name="ct">Cancellation.</param>
    /// <returns>The written files, in prompt order.</returns>
    /// <exception cref="ArgumentException">The models do not fit the task (T2V vs I2V) or the VAE.</exception>
    /// <exception cref="MediaException">ffmpeg failed.</exception>
    public IReadOnlyList<string> Sample(int step, GenerationExperts experts, string outputDir, string outputName,
        Action<int, DenoiseProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(experts); ArgumentException.ThrowIfNullOrEmpty(outputDir); ArgumentException.ThrowIfNullOrEmpty(outputName);
        bool i2v = WanTaskDefaults.For(Options.Task).IsImageToVideo;
        if (i2v != experts.CondChannels > 0)
            throw new ArgumentException($"the task is {WanTaskDefaults.TaskName(Options.Task)} but the DiT is {(experts.CondChannels > 0 ? "image" : "text")}-to-video");
        var gen = new VideoGenerator(experts, Vae);
        var files = new List<string>(Prompts.Count);
        for (int i = 0; i < Prompts.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            int at = i;
            var video = gen.Generate(RequestFor(i), _context[i], _negative[i], progress == null ? null : s => progress(at, s), ct);
            var path = Path.Combine(outputDir, FileName(outputName, step, Prompts[i].Index));
            files.AddRange(VideoWriter.Write(video.Frames, path, Options.Video, ct));
        }
        return files;
    }

    /// <summary>
    /// The experts for <see cref="Sample(int, GenerationExperts, string, string, Action{int, DenoiseProgress}?, CancellationToken)"/>
    /// from the trainer's models: pass both high and low (dual-expert training; the same LoRA may be given twice when it is
    /// shared) or only one of them (single-model training). LoRAs are applied at run time with their current
    /// <see cref="LoraNetwork.Multiplier"/>; the base weights are not touched.
    /// </summary>
    /// <exception cref="ArgumentException">No DiT, or a LoRA that does not fit its DiT.</exception>
    public static GenerationExperts Experts(WanDit? highNoise, LoraNetwork? highNoiseLora, WanDit? lowNoise, LoraNetwork? lowNoiseLora) =>
        new(highNoise == null ? null : new DitVelocityModel(highNoise, highNoiseLora),
            lowNoise == null ? null : new DitVelocityModel(lowNoise, lowNoiseLora));
}
