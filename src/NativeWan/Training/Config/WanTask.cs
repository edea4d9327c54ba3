namespace NativeWan.Training.Config;

/// <summary>
/// musubi-tuner's <c>--task</c> for Wan 2.2 A14B (wan/configs/wan_t2v_A14B.py, wan_i2v_A14B.py): the DiT input
/// channels it requires and the default expert boundary (spec wan-architecture.md 1.1, 4.1).
/// </summary>
/// <param name="Name">Task name as musubi spells it.</param>
/// <param name="InDim">Required patch-embedding input channels of the DiT (16 T2V, 36 I2V).</param>
/// <param name="DefaultBoundary">Default <c>--timestep_boundary</c> as a fraction (0.875 T2V, 0.9 I2V).</param>
/// <param name="IsImageToVideo">True when items need the image latent (first-frame conditioning y).</param>
public sealed record WanTask(string Name, int InDim, double DefaultBoundary, bool IsImageToVideo)
{
    /// <summary>Text-to-video A14B.</summary>
    public static readonly WanTask T2VA14B = new("t2v-A14B", 16, NativeWan.Sampling.ExpertSchedule.T2VA14B.Boundary, false);
    /// <summary>Image-to-video A14B.</summary>
    public static readonly WanTask I2VA14B = new("i2v-A14B", 36, NativeWan.Sampling.ExpertSchedule.I2VA14B.Boundary, true);

    static readonly string[] OtherMusubiTasks =
        ["t2v-14B", "t2v-1.3B", "i2v-14B", "t2i-14B", "flf2v-14B", "t2v-1.3B-FC", "t2v-14B-FC", "i2v-14B-FC", "ti2v-5B"];

    /// <summary>Parses a task name (case-insensitive).</summary>
    /// <exception cref="FormatException">Another musubi task ("not supported yet") or an unknown name.</exception>
    public static WanTask Parse(string name)
    {
        var n = name.Trim();
        if (n.Equals(T2VA14B.Name, StringComparison.OrdinalIgnoreCase)) return T2VA14B;
        if (n.Equals(I2VA14B.Name, StringComparison.OrdinalIgnoreCase)) return I2VA14B;
        if (OtherMusubiTasks.Any(t => t.Equals(n, StringComparison.OrdinalIgnoreCase)))
            throw new FormatException($"task '{n}' is not supported yet (Wan 2.2 A14B only: t2v-A14B, i2v-A14B)");
        throw new FormatException($"unknown task '{n}' (t2v-A14B, i2v-A14B)");
    }

    public override string ToString() => Name;
}
