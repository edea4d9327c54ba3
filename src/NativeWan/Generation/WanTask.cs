using NativeWan.Sampling;

namespace NativeWan.Generation;

/// <summary>The generation tasks (official <c>--task</c> names <c>t2v-A14B</c>, <c>i2v-A14B</c>).</summary>
public enum WanTask
{
    /// <summary>Text-to-video with the Wan 2.2 A14B experts (DiT in_dim 16).</summary>
    T2VA14B,
    /// <summary>Image-to-video with the Wan 2.2 A14B experts (DiT in_dim 36: latent + mask + image latent, spec 3.1).</summary>
    I2VA14B,
}

/// <summary>
/// Official generation defaults of a task (spec wan-architecture.md 1.2; W22 <c>wan/configs/*</c>,
/// <c>shared_config.py</c>).
/// </summary>
/// <param name="Task">The task.</param>
/// <param name="Shift">Flow shift (<c>sample_shift</c>): T2V 12, I2V 5.</param>
/// <param name="Steps">Solver steps (<c>sample_steps</c>): 40.</param>
/// <param name="Experts">Boundary and per-expert guidance scales (<see cref="ExpertSchedule.T2VA14B"/>, <see cref="ExpertSchedule.I2VA14B"/>).</param>
/// <param name="Frames">Pixel frames (<c>frame_num</c>): 81.</param>
/// <param name="Fps">Frames per second of the written video (<c>sample_fps</c>): 16.</param>
/// <param name="Width">Default width in pixels (1280; for I2V it only sets the area <c>max_area = W·H</c>).</param>
/// <param name="Height">Default height in pixels (720).</param>
public sealed record WanTaskDefaults(WanTask Task, double Shift, int Steps, ExpertSchedule Experts, int Frames, int Fps, int Width, int Height)
{
    /// <summary>
    /// The official default negative prompt (<c>wan_shared_cfg.sample_neg_prompt</c>), used whenever the negative prompt
    /// is empty. It lists, in Chinese: garish colours, overexposure, static, blurry details, subtitles, style, artwork,
    /// painting, still frame, greyish, worst/low quality, JPEG artefacts, ugly, mutilated, extra fingers, badly drawn
    /// hands and faces, deformed, disfigured, malformed limbs, fused fingers, motionless picture, cluttered background,
    /// three legs, crowded background, walking backwards.
    /// </summary>
    public const string DefaultNegativePrompt =
        "色调艳丽，过曝，静态，细节模糊不清，字幕，风格，作品，画作，画面，静止，整体发灰，最差质量，低质量，JPEG压缩残留，丑陋的，残缺的，多余的手指，画得不好的手部，画得不好的脸部，畸形的，毁容的，形态畸形的肢体，手指融合，静止不动的画面，杂乱的背景，三条腿，背景人很多，倒着走";

    /// <summary>T2V-A14B: shift 12, 40 steps, boundary 0.875, guidance 3.0 (low) / 4.0 (high), 81 frames, 16 fps, 1280×720.</summary>
    public static WanTaskDefaults T2VA14B { get; } = new(WanTask.T2VA14B, 12.0, 40, ExpertSchedule.T2VA14B, 81, 16, 1280, 720);

    /// <summary>I2V-A14B: shift 5, 40 steps, boundary 0.900, guidance 3.5 / 3.5, 81 frames, 16 fps, area 1280×720.</summary>
    public static WanTaskDefaults I2VA14B { get; } = new(WanTask.I2VA14B, 5.0, 40, ExpertSchedule.I2VA14B, 81, 16, 1280, 720);

    /// <summary>Whether the task takes a start image.</summary>
    public bool IsImageToVideo => Task == WanTask.I2VA14B;

    /// <summary>The defaults of <paramref name="task"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Unknown task.</exception>
    public static WanTaskDefaults For(WanTask task) => task switch
    {
        WanTask.T2VA14B => T2VA14B,
        WanTask.I2VA14B => I2VA14B,
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, "unknown task"),
    };

    /// <summary>The official task name (<c>t2v-A14B</c>, <c>i2v-A14B</c>), as musubi's <c>--task</c> spells it.</summary>
    public string Name => TaskName(Task);

    /// <summary>The DiT input channels the task needs (spec 1.1): 16 for T2V, 36 (16 + 4 mask + 16 image) for I2V.</summary>
    public int InDim => IsImageToVideo ? 36 : 16;

    /// <summary>musubi task names that exist there but not (yet) here, for a clearer error.</summary>
    static readonly string[] OtherMusubiTasks =
        ["t2v-14B", "t2v-1.3B", "i2v-14B", "t2i-14B", "flf2v-14B", "t2v-1.3B-FC", "t2v-14B-FC", "i2v-14B-FC", "ti2v-5B"];

    /// <summary>Parses an official task name (<c>t2v-A14B</c>, <c>i2v-A14B</c>; case-insensitive, '-' optional).</summary>
    /// <exception cref="ArgumentException">Any other name: musubi's other Wan tasks are "not supported yet", anything else unknown.</exception>
    public static WanTask ParseTask(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().Replace("-", "").Replace("_", "").ToLowerInvariant() switch
        {
            "t2va14b" => WanTask.T2VA14B,
            "i2va14b" => WanTask.I2VA14B,
            _ when OtherMusubiTasks.Any(t => t.Equals(name.Trim(), StringComparison.OrdinalIgnoreCase))
                => throw new ArgumentException($"task '{name.Trim()}' is not supported yet (Wan 2.2 A14B only: t2v-A14B, i2v-A14B)"),
            _ => throw new ArgumentException($"unknown task '{name}' (expected t2v-A14B or i2v-A14B)"),
        };
    }

    /// <summary>The defaults of the task named <paramref name="name"/> (see <see cref="ParseTask"/>).</summary>
    public static WanTaskDefaults Parse(string name) => For(ParseTask(name));

    /// <summary>The official name of <paramref name="task"/>.</summary>
    public static string TaskName(WanTask task) => task == WanTask.I2VA14B ? "i2v-A14B" : "t2v-A14B";
}
