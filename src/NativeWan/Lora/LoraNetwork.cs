using System.Text;

namespace NativeWan.Lora;

/// <summary>A set of LoRA adapters keyed by target module path (e.g. <c>blocks.3.ffn.0</c>), with one multiplier.</summary>
public sealed class LoraNetwork
{
    readonly Dictionary<string, LoraModule> _modules = new(StringComparer.Ordinal);
    LoraDropout _dropout = LoraDropout.None;

    /// <summary>Global strength applied on top of each module's Alpha/Rank (musubi "multiplier").</summary>
    public float Multiplier { get; set; } = 1f;

    /// <summary>Training-time dropouts (musubi network_dropout / rank_dropout / module_dropout); off by default.</summary>
    /// <exception cref="ArgumentOutOfRangeException">On set: a probability outside [0, 1).</exception>
    public LoraDropout Dropout
    {
        get => _dropout;
        set => _dropout = (value ?? LoraDropout.None).Validate();
    }

    /// <summary>Modules in insertion order of their paths.</summary>
    public IReadOnlyCollection<LoraModule> Modules => _modules.Values;

    /// <summary>Number of modules.</summary>
    public int Count => _modules.Count;

    /// <summary>Trainable parameters: Σ rank·(in + out) (alpha is not trained).</summary>
    public long ParameterCount => _modules.Values.Sum(m => (long)m.Rank * (m.In + m.Out));

    /// <summary>Adds a module. <exception cref="ArgumentException">Its path is already present.</exception></summary>
    public void Add(LoraModule m)
    {
        if (!_modules.TryAdd(m.ModulePath, m)) throw new ArgumentException($"LoRA module '{m.ModulePath}' added twice");
    }

    /// <summary>The adapter on <paramref name="modulePath"/>, or null when that Linear has none.</summary>
    public LoraModule? Find(string modulePath) => _modules.GetValueOrDefault(modulePath);

    /// <summary>
    /// A fresh network with musubi-tuner's initialisation (MT <c>networks/lora.py</c>, spec 7.1): for each target,
    /// <c>Down</c> [rank, in] ~ kaiming_uniform(a = √5) = U(−b, b) with b = √(6 / ((1 + 5)·in)) = 1/√in, and <c>Up</c>
    /// [out, rank] = 0, so the network starts as an exact no-op.
    /// </summary>
    /// <remarks>
    /// Deterministic: module m draws from <c>new System.Random(s_m)</c> (the seeded, platform-stable legacy
    /// subtractive generator) with <c>s_m = (FNV-1a32(UTF-8 path) XOR (uint)seed·0x9E3779B9) AND 0x7FFFFFFF</c>;
    /// element i of Down (row-major) is <c>(float)((2·NextDouble() − 1)·b)</c>. Each module's values therefore depend
    /// only on (seed, path, rank, in), not on which other modules are targeted. They will not equal PyTorch's draws.
    /// </remarks>
    /// <param name="targets">Linears to adapt (see <see cref="LoraTargets"/>), added in this order.</param>
    /// <param name="rank">network_dim (musubi default 4).</param>
    /// <param name="alpha">network_alpha (musubi default 1); 0 means alpha = rank (scale 1), as musubi.</param>
    /// <param name="seed">Initialisation seed.</param>
    /// <param name="multiplier">Global strength.</param>
    /// <param name="dropout">Optional training dropouts; off when null.</param>
    /// <exception cref="ArgumentException">rank ≤ 0, non-finite alpha, a duplicate target, or bad target sizes.</exception>
    public static LoraNetwork Create(IEnumerable<LoraTarget> targets, int rank, float alpha, int seed, float multiplier = 1f, LoraDropout? dropout = null)
    {
        if (rank <= 0) throw new ArgumentException($"LoRA rank must be positive, got {rank}", nameof(rank));
        if (!float.IsFinite(alpha)) throw new ArgumentException($"LoRA alpha must be finite, got {alpha}", nameof(alpha));
        if (alpha == 0f) alpha = rank;
        var net = new LoraNetwork { Multiplier = multiplier, Dropout = dropout ?? LoraDropout.None };
        foreach (var t in targets)
        {
            var m = new LoraModule(t.ModulePath, t.In, t.Out, rank, alpha);
            InitDown(m.Down, t.In, ModuleSeed(seed, t.ModulePath));
            net.Add(m);
        }
        return net;
    }

    /// <summary>The bound b = 1/√in of musubi's kaiming-uniform(a = √5) init of <c>lora_down</c>.</summary>
    public static double InitBound(int @in) => 1.0 / Math.Sqrt(@in);

    static void InitDown(float[] down, int @in, int seed)
    {
        double b = InitBound(@in);
        var rng = new Random(seed);
        for (int i = 0; i < down.Length; i++) down[i] = (float)((2.0 * rng.NextDouble() - 1.0) * b);
    }

    internal static int ModuleSeed(int seed, string path)
    {
        uint h = 2166136261;
        foreach (byte c in Encoding.UTF8.GetBytes(path)) { h ^= c; h *= 16777619; }
        return (int)((h ^ unchecked((uint)seed * 0x9E3779B9u)) & 0x7FFFFFFF);
    }
}
