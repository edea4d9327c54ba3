using NativeWan.Lora;
using NativeWan.Models.Wan;
using NativeWan.Optim;

namespace NativeWan.Training;

/// <summary>Which Wan 2.2 A14B expert a model is (spec wan-architecture.md 1.1, 4.1).</summary>
public enum ExpertRole
{
    /// <summary>A single model trained over the whole (or a user-windowed) timestep range.</summary>
    Single,
    /// <summary>Used for t ≥ boundary·1000.</summary>
    HighNoise,
    /// <summary>Used for t &lt; boundary·1000.</summary>
    LowNoise,
}

/// <summary>
/// A DiT and the LoRA trained on it, with its gradients and optimizer. With a shared LoRA (musubi's one-network
/// dual-expert mode) both experts hold the same <see cref="LoraNetwork"/>, <see cref="LoraGradients"/> and
/// <see cref="AdamW"/> instances.
/// </summary>
public sealed class TrainExpert
{
    /// <summary>The expert's role.</summary>
    public ExpertRole Role { get; }
    /// <summary>The frozen base model.</summary>
    public WanDit Dit { get; }
    /// <summary>The trained adapters (float32 master weights).</summary>
    public LoraNetwork Lora { get; }
    /// <summary>Gradient buffers of <see cref="Lora"/>.</summary>
    public LoraGradients Grads { get; }
    /// <summary>The optimizer over <see cref="Parameters"/>.</summary>
    public AdamW Optimizer { get; }
    /// <summary>LoRA down/up arrays, in module order (down, up, down, up, …).</summary>
    public IReadOnlyList<float[]> Parameters { get; }
    /// <summary>Gradient arrays parallel to <see cref="Parameters"/>.</summary>
    public IReadOnlyList<float[]> Gradients { get; }
    /// <summary>Where the training step runs (CPU reference by default).</summary>
    public IDitStepEngine Engine { get; }

    TrainExpert(ExpertRole role, WanDit dit, LoraNetwork lora, LoraGradients grads, AdamW opt, IReadOnlyList<float[]> p, IReadOnlyList<float[]> g,
        IDitStepEngine? engine)
    {
        Role = role; Dit = dit; Lora = lora; Grads = grads; Optimizer = opt; Parameters = p; Gradients = g;
        Engine = engine ?? new CpuStepEngine(dit);
    }

    /// <summary>An expert with its own LoRA, gradients and optimizer.</summary>
    /// <param name="engine">Where its steps run; null = the CPU reference on <paramref name="dit"/>.</param>
    public static TrainExpert Create(ExpertRole role, WanDit dit, LoraNetwork lora, AdamWOptions adam, IDitStepEngine? engine = null)
    {
        var grads = new LoraGradients(lora);
        var p = new List<float[]>();
        var g = new List<float[]>();
        foreach (var m in lora.Modules)
        {
            var mg = grads.Find(m.ModulePath) ?? throw new InvalidOperationException($"no gradient buffer for {m.ModulePath}");
            p.Add(m.Down); p.Add(m.Up);
            g.Add(mg.DDown); g.Add(mg.DUp);
        }
        return new TrainExpert(role, dit, lora, grads, new AdamW(p, adam), p, g, engine);
    }

    /// <summary>Another expert that shares this one's LoRA, gradients and optimizer (shared-LoRA dual-expert training).</summary>
    public TrainExpert Sharing(ExpertRole role, WanDit dit, IDitStepEngine? engine = null) =>
        new(role, dit, Lora, Grads, Optimizer, Parameters, Gradients, engine);

    /// <summary>File-name suffix of this expert's LoRA: <c>_high_noise</c>, <c>_low_noise</c> or empty.</summary>
    public string Suffix => Role switch { ExpertRole.HighNoise => "_high_noise", ExpertRole.LowNoise => "_low_noise", _ => "" };
}
