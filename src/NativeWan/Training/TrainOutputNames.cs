using System.Globalization;

namespace NativeWan.Training;

/// <summary>
/// File names of a run in <c>--output_dir</c>, as musubi-tuner names them (utils/train_utils.py): the final LoRA
/// <c>{name}{suffix}.safetensors</c>, intermediate saves <c>{name}-step{N:00000000}{suffix}.safetensors</c> and
/// <c>{name}-{E:000000}{suffix}.safetensors</c> (epoch E), where suffix is <c>_high_noise</c> / <c>_low_noise</c> for
/// per-expert LoRAs and empty otherwise. NativeWan additions: the resumable state <c>{name}-state.safetensors</c>
/// (intermediate ones <c>{name}-step{N:00000000}-state.safetensors</c> / <c>{name}-{E:000000}-state.safetensors</c>),
/// the metrics log <c>{name}_metrics.jsonl</c>, and with <c>--lora_format both</c> a ComfyUI copy
/// <c>…{suffix}_comfy.safetensors</c> beside each musubi file.
/// </summary>
/// <param name="Directory">The output directory.</param>
/// <param name="Name">The output name.</param>
public sealed record TrainOutputNames(string Directory, string Name)
{
    /// <summary>The final LoRA.</summary>
    public string Final(string suffix) => Path.Combine(Directory, $"{Name}{suffix}.safetensors");

    /// <summary>A save after optimizer step <paramref name="step"/>.</summary>
    public string Step(int step, string suffix) => Path.Combine(Directory, $"{StepStem(step)}{suffix}.safetensors");

    /// <summary>A save after epoch <paramref name="epoch"/> (1-based).</summary>
    public string Epoch(int epoch, string suffix) => Path.Combine(Directory, $"{EpochStem(epoch)}{suffix}.safetensors");

    /// <summary>The state written at the end or on interruption.</summary>
    public string State => Path.Combine(Directory, $"{Name}-state.safetensors");

    /// <summary>The state saved with step <paramref name="step"/>'s LoRA.</summary>
    public string StepState(int step) => Path.Combine(Directory, $"{StepStem(step)}-state.safetensors");

    /// <summary>The state saved with epoch <paramref name="epoch"/>'s LoRA.</summary>
    public string EpochState(int epoch) => Path.Combine(Directory, $"{EpochStem(epoch)}-state.safetensors");

    /// <summary>The metrics log (one JSON object per line).</summary>
    public string Metrics => Path.Combine(Directory, $"{Name}_metrics.jsonl");

    /// <summary>The ComfyUI-format sibling of a LoRA path (<c>x.safetensors</c> → <c>x_comfy.safetensors</c>).</summary>
    public static string ComfyVariant(string path) =>
        Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileNameWithoutExtension(path) + "_comfy" + Path.GetExtension(path));

    string StepStem(int step) => $"{Name}-step{step.ToString("D8", CultureInfo.InvariantCulture)}";
    string EpochStem(int epoch) => $"{Name}-{epoch.ToString("D6", CultureInfo.InvariantCulture)}";
}
