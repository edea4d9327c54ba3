using NativeWan.Lora;

namespace NativeWan.Models.Wan;

/// <summary>Gradient buffers of one LoRA module: same shapes as its Down [Rank, In] and Up [Out, Rank].</summary>
public sealed class LoraModuleGradient
{
    public LoraModule Module { get; }
    /// <summary>d loss / d Down (lora_down, A), [Rank, In].</summary>
    public float[] DDown { get; }
    /// <summary>d loss / d Up (lora_up, B), [Out, Rank].</summary>
    public float[] DUp { get; }

    internal LoraModuleGradient(LoraModule module)
    {
        Module = module;
        DDown = new float[module.Down.Length];
        DUp = new float[module.Up.Length];
    }
}

/// <summary>
/// Gradient buffers for every module of a <see cref="LoraNetwork"/>, keyed by module path. Allocated once and reused
/// across training steps; <see cref="WanDit.TrainStep"/> clears them (or accumulates into them when asked).
/// </summary>
public sealed class LoraGradients
{
    readonly Dictionary<string, LoraModuleGradient> _byPath = new(StringComparer.Ordinal);

    /// <summary>Zeroed buffers for every module of <paramref name="network"/>.</summary>
    public LoraGradients(LoraNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        foreach (var m in network.Modules) _byPath.Add(m.ModulePath, new LoraModuleGradient(m));
    }

    /// <summary>All module gradients.</summary>
    public IReadOnlyCollection<LoraModuleGradient> Modules => _byPath.Values;

    /// <summary>The gradient of the module at <paramref name="modulePath"/>, or null.</summary>
    public LoraModuleGradient? Find(string modulePath) => _byPath.GetValueOrDefault(modulePath);

    /// <summary>Sets every gradient to zero.</summary>
    public void Clear()
    {
        foreach (var g in _byPath.Values) { Array.Clear(g.DDown); Array.Clear(g.DUp); }
    }
}
