namespace NativeWan.Training.Config;

/// <summary>Marks a <see cref="TrainArgs"/> property with its musubi-tuner flag / config key (underscored, no dashes).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class TrainArgAttribute(string key) : Attribute
{
    /// <summary>The key, e.g. <c>dit_high_noise</c>: <c>--dit_high_noise</c> on the command line, <c>dit_high_noise = …</c> in a config file.</summary>
    public string Key { get; } = key;
}
