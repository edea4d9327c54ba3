namespace NativeWan.Lora;

/// <summary>A set of LoRA adapters keyed by target module path (e.g. <c>blocks.3.ffn.0</c>), with one multiplier.</summary>
public sealed class LoraNetwork
{
    readonly Dictionary<string, LoraModule> _modules = new(StringComparer.Ordinal);

    /// <summary>Global strength applied on top of each module's Alpha/Rank (musubi "multiplier").</summary>
    public float Multiplier { get; set; } = 1f;

    /// <summary>Modules in insertion order of their paths.</summary>
    public IReadOnlyCollection<LoraModule> Modules => _modules.Values;

    /// <summary>Adds a module. <exception cref="ArgumentException">Its path is already present.</exception></summary>
    public void Add(LoraModule m)
    {
        if (!_modules.TryAdd(m.ModulePath, m)) throw new ArgumentException($"LoRA module '{m.ModulePath}' added twice");
    }

    /// <summary>The adapter on <paramref name="modulePath"/>, or null when that Linear has none.</summary>
    public LoraModule? Find(string modulePath) => _modules.GetValueOrDefault(modulePath);
}
