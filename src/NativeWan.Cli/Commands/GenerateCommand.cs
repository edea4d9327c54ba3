using System.Globalization;
using CommandLine;
using NativeWan.Data;
using NativeWan.Generation;
using NativeWan.IO;
using NativeWan.Lora;
using NativeWan.Models.Vae;
using NativeWan.Models.Wan;
using NativeWan.Sampling;
using Spectre.Console;

namespace NativeWan.Cli.Commands;

[Verb("generate", HelpText = "Generate a video with Wan 2.2 A14B (text-to-video or image-to-video), float32 CPU reference. Flags follow musubi-tuner's wan_generate_video.py.")]
public sealed class GenerateOptions
{
    [Option("task", Default = "t2v-A14B", HelpText = "t2v-A14B or i2v-A14B (sets shift, steps, boundary and guidance defaults).")]
    public string Task { get; set; } = "t2v-A14B";

    [Option("dit", MetaValue = "FILE", HelpText = "Low-noise expert DiT (.safetensors, sharded .index.json or .pth). With --dit_high_noise the two are switched at the boundary; alone it serves every step.")]
    public string? Dit { get; set; }

    [Option("dit_high_noise", MetaValue = "FILE", HelpText = "High-noise expert DiT (t >= boundary*1000). Alone it serves every step.")]
    public string? DitHighNoise { get; set; }

    [Option("vae", Required = true, MetaValue = "FILE", HelpText = "Wan 2.1 VAE weights.")]
    public string Vae { get; set; } = "";

    [Option("t5", Required = true, MetaValue = "FILE", HelpText = "umT5-XXL encoder weights.")]
    public string T5 { get; set; } = "";

    [Option("spm", MetaValue = "FILE", HelpText = "SentencePiece tokenizer (spiece.model); default: the one embedded in the --t5 file.")]
    public string? Spm { get; set; }

    [Option("lora", MetaValue = "FILE[:S]", HelpText = "LoRA(s) for the --dit model, each FILE or FILE:STRENGTH (default 1); several separated by spaces.")]
    public IEnumerable<string> Lora { get; set; } = [];

    [Option("lora_high_noise", MetaValue = "FILE[:S]", HelpText = "LoRA(s) for the --dit_high_noise model.")]
    public IEnumerable<string> LoraHighNoise { get; set; } = [];

    [Option("merge_lora", HelpText = "Merge the LoRAs into the weights at load (W += s*alpha/r*B*A) instead of applying them at run time; same result, base-model speed.")]
    public bool MergeLora { get; set; }

    [Option("prompt", Required = true, HelpText = "The prompt.")]
    public string Prompt { get; set; } = "";

    [Option("negative_prompt", HelpText = "Negative prompt (default: the official Wan default negative prompt).")]
    public string? NegativePrompt { get; set; }

    [Option("width", HelpText = "Width in pixels, a multiple of 16 (default 1280). For I2V, width*height is the area; the aspect ratio follows the image.")]
    public int? Width { get; set; }

    [Option("height", HelpText = "Height in pixels, a multiple of 16 (default 720).")]
    public int? Height { get; set; }

    [Option("frames", HelpText = "Frame count, 4n+1 (default 81).")]
    public int? Frames { get; set; }

    [Option("steps", HelpText = "Solver steps (default 40).")]
    public int? Steps { get; set; }

    [Option("shift", HelpText = "Flow shift (default 12 for t2v, 5 for i2v).")]
    public double? Shift { get; set; }

    [Option("guidance_scale", HelpText = "CFG scale of the low-noise expert (default 3.0 t2v, 3.5 i2v); 1 disables the negative pass.")]
    public float? GuidanceScale { get; set; }

    [Option("guidance_scale_high_noise", HelpText = "CFG scale of the high-noise expert (default 4.0 t2v, 3.5 i2v).")]
    public float? GuidanceScaleHighNoise { get; set; }

    [Option("boundary", HelpText = "Expert boundary as a fraction of 1000 (default 0.875 t2v, 0.9 i2v).")]
    public double? Boundary { get; set; }

    [Option("sample_solver", Default = "unipc", HelpText = "unipc, dpm++ or euler (musubi 'vanilla').")]
    public string SampleSolver { get; set; } = "unipc";

    [Option("seed", HelpText = "Noise seed (default: random, printed).")]
    public ulong? Seed { get; set; }

    [Option("image", MetaValue = "FILE", HelpText = "Start image (i2v).")]
    public string? Image { get; set; }

    [Option("output", Required = true, MetaValue = "PATH", HelpText = "Output: .mp4, .webp, .png (frames name_00000.png, …), a name_%05d.png pattern or a folder.")]
    public string Output { get; set; } = "";

    [Option("text_len", HelpText = "Text tokens (default: the DiT's text_len, 512).")]
    public int? TextLen { get; set; }

    [Option("fps", Default = 16, HelpText = "Frames per second of the written video.")]
    public int Fps { get; set; } = 16;

    [Option("crf", Default = 18, HelpText = "H.264 quality for .mp4 (0-51, lower is better).")]
    public int Crf { get; set; } = 18;

    [Option("webp_quality", HelpText = "Lossy WebP quality 0-100 (default: lossless).")]
    public float? WebPQuality { get; set; }
}

/// <summary><c>nativewan generate</c>: loads the models, generates one video and writes it.</summary>
public static class GenerateCommand
{
    public static int Run(GenerateOptions o) => Run(o, Console.Out, interactive: !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive);

    /// <summary>Runs the command; log lines (and per-step progress when not <paramref name="interactive"/>) go to <paramref name="log"/>.</summary>
    public static int Run(GenerateOptions o, TextWriter log, bool interactive = false)
    {
        try { return RunCore(o, log, interactive); }
        catch (Exception e) when (e is MediaException or FormatException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    /// <summary>Parses <c>--sample_solver</c> (unipc; dpm++/dpmpp; euler/vanilla).</summary>
    /// <exception cref="ArgumentException">Any other name.</exception>
    public static FlowSolver ParseSolver(string name) => name.Trim().ToLowerInvariant() switch
    {
        "unipc" => FlowSolver.UniPC,
        "dpm++" or "dpmpp" or "dpm" => FlowSolver.DpmPlusPlus,
        "euler" or "vanilla" => FlowSolver.Euler,
        _ => throw new ArgumentException($"unknown --sample_solver '{name}' (unipc, dpm++ or euler)"),
    };

    static int RunCore(GenerateOptions o, TextWriter log, bool interactive)
    {
        var task = WanTaskDefaults.ParseTask(o.Task);
        var d = WanTaskDefaults.For(task);
        if (o.Dit == null && o.DitHighNoise == null) throw new ArgumentException("give --dit (low-noise expert) and/or --dit_high_noise");
        if (o.Lora.Any() && o.Dit == null) throw new ArgumentException("--lora applies to the --dit model, which is not given");
        if (o.LoraHighNoise.Any() && o.DitHighNoise == null) throw new ArgumentException("--lora_high_noise applies to the --dit_high_noise model, which is not given");
        if (d.IsImageToVideo && o.Image == null) throw new ArgumentException("--task i2v-A14B needs --image");
        if (!d.IsImageToVideo && o.Image != null) throw new ArgumentException("--image needs --task i2v-A14B");
        VideoWriter.FormatOf(o.Output);   // reject an unknown extension before any loading
        var video = new VideoWriteOptions { Fps = o.Fps, Crf = o.Crf, WebPQuality = o.WebPQuality };
        if (video.Fps <= 0 || video.Crf is < 0 or > 51) throw new ArgumentException($"--fps must be positive and --crf in 0…51 (got {o.Fps}, {o.Crf})");

        ulong seed = o.Seed ?? (ulong)Random.Shared.NextInt64(0, int.MaxValue);
        var experts = d.Experts with
        {
            LowNoiseGuidance = o.GuidanceScale ?? d.Experts.LowNoiseGuidance,
            HighNoiseGuidance = o.GuidanceScaleHighNoise ?? d.Experts.HighNoiseGuidance,
            Boundary = o.Boundary ?? d.Experts.Boundary,
        };
        var request = new GenerationRequest
        {
            Prompt = o.Prompt, NegativePrompt = o.NegativePrompt,
            Width = o.Width ?? d.Width, Height = o.Height ?? d.Height, Frames = o.Frames ?? d.Frames, Steps = o.Steps ?? d.Steps,
            Shift = o.Shift ?? d.Shift, Experts = experts, Solver = ParseSolver(o.SampleSolver), Seed = seed,
            Image = o.Image != null ? ImageDecoder.Decode(o.Image) : null,
        };
        request.Validate();
        if (!d.IsImageToVideo && (request.Width % 16 != 0 || request.Height % 16 != 0))
            throw new ArgumentException($"--width/--height {request.Width}x{request.Height} must be multiples of 16");
        var loras = o.Lora.Select(LoraSpec.Parse).ToList();
        var lorasHigh = o.LoraHighNoise.Select(LoraSpec.Parse).ToList();

        // 1) text: the DiT's text_len decides the token count unless --text_len is given
        int textLen = o.TextLen ?? DitTextLen(o.Dit ?? o.DitHighNoise!);
        if (textLen < 1) throw new ArgumentException($"--text_len must be positive (got {textLen})");
        log.WriteLine($"task {WanTaskDefaults.TaskName(task)}, seed {seed}, {request.Steps} steps, shift {request.Shift}, solver {request.Solver}, guidance {experts.LowNoiseGuidance}/{experts.HighNoiseGuidance} (low/high), boundary {experts.Boundary}");
        log.WriteLine($"encoding the prompt with {o.T5}");
        float[] ctx, neg;
        {
            var text = PromptEncoder.Load(o.T5, o.Spm, textLen);
            ctx = text.Encode(request.Prompt);
            neg = VideoGenerator.NeedsNegative(request) ? text.Encode(request.EffectiveNegativePrompt) : [];
        }

        // 2) models
        var high = o.DitHighNoise != null ? LoadExpert(o.DitHighNoise, lorasHigh, o.MergeLora, o.TextLen, log) : null;
        var low = o.Dit != null ? LoadExpert(o.Dit, loras, o.MergeLora, o.TextLen, log) : null;
        var all = new GenerationExperts(high, low);
        if ((all.CondChannels > 0) != d.IsImageToVideo)
            throw new ArgumentException($"--task {WanTaskDefaults.TaskName(task)} but the DiT is {(all.CondChannels > 0 ? "image" : "text")}-to-video");
        log.WriteLine($"loading the VAE {o.Vae}");
        WanVae vae;
        using (var vs = TensorFiles.Open(o.Vae)) vae = WanVae.Load(vs);
        var gen = new VideoGenerator(all, vae);
        var plan = gen.Plan(request);
        log.WriteLine($"generating {plan.Width}x{plan.Height}, {plan.Frames} frames (latent {plan.Latent})");

        // 3) sampling with progress
        GeneratedVideo result;
        if (interactive)
        {
            result = null!;
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(pc =>
                {
                    var t = pc.AddTask("denoising", maxValue: request.Steps);
                    result = gen.Generate(request, ctx, neg.Length == 0 ? null : neg, p =>
                    {
                        t.Description = $"step {p.Step + 1}/{p.Steps} t={p.Timestep:0.#} {Side(p.Expert)} cfg {p.Guidance}";
                        t.Increment(1);
                    });
                    t.Description = "decoded";
                });
        }
        else
        {
            result = gen.Generate(request, ctx, neg.Length == 0 ? null : neg, p =>
                log.WriteLine($"step {p.Step + 1}/{p.Steps}  t={p.Timestep.ToString("0.###", CultureInfo.InvariantCulture)}  {Side(p.Expert)}  cfg {p.Guidance.ToString(CultureInfo.InvariantCulture)}  {p.Elapsed.TotalSeconds:0.0} s"));
        }

        var files = VideoWriter.Write(result.Frames, o.Output, video);
        log.WriteLine(files.Count == 1 ? $"wrote {files[0]}" : $"wrote {files.Count} frames to {Path.GetDirectoryName(files[0])}");
        return 0;
    }

    static string Side(WanExpert e) => e == WanExpert.HighNoise ? "high-noise" : "low-noise";

    static int DitTextLen(string path)
    {
        using var src = TensorFiles.Open(path, "model.diffusion_model.");
        return WanConfig.FromWeights(src).TextLen;
    }

    static IVelocityModel LoadExpert(string path, List<LoraSpec> loras, bool merge, int? textLen, TextWriter log)
    {
        log.WriteLine($"loading the DiT {path}");
        WanDit dit;
        using (var src = TensorFiles.Open(path, "model.diffusion_model.")) dit = WanDit.Load(src, textLen: textLen);
        var nets = new List<LoraNetwork>();
        foreach (var spec in loras)
        {
            var r = LoraFile.Load(spec.Path);
            if (r.Unused.Count > 0) log.WriteLine($"warning: {spec.Path}: {r.Unused.Count} LoRA keys not used (first: {r.Unused[0].Key}: {r.Unused[0].Message})");
            r.Network.Multiplier = spec.Strength;
            nets.Add(r.Network);
            log.WriteLine($"LoRA {spec.Path}: {r.Network.Count} modules, strength {spec.Strength.ToString(CultureInfo.InvariantCulture)}{(merge ? ", merged" : "")}");
        }
        if (merge)
        {
            // The weights were just read from the file and are not shared, so merging in place is merging into a copy.
            foreach (var n in nets) LoraApplication.MergeInto(dit.Weights, n);
            return new DitVelocityModel(dit);
        }
        return new DitVelocityModel(dit, LoraApplication.Combine(nets));
    }
}
