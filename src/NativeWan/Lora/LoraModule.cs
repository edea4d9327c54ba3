namespace NativeWan.Lora;

/// <summary>
/// One LoRA adapter on a frozen Linear <c>y = W x + b</c> (W [Out, In]):
/// <c>y += Multiplier · (Alpha / Rank) · Up (Down x)</c>, as musubi-tuner's networks/lora.py (spec section 7).
/// Float32 master weights, row-major.
/// </summary>
public sealed class LoraModule
{
    /// <summary>Path of the target Linear in the model's state dict, e.g. <c>blocks.0.self_attn.q</c>.</summary>
    public string ModulePath { get; }
    /// <summary>Input features of the target Linear.</summary>
    public int In { get; }
    /// <summary>Output features of the target Linear.</summary>
    public int Out { get; }
    /// <summary>LoRA rank (network_dim).</summary>
    public int Rank { get; }
    /// <summary>LoRA alpha (network_alpha); the scale is Alpha / Rank.</summary>
    public float Alpha { get; set; }
    /// <summary>A (lora_down): [Rank, In].</summary>
    public float[] Down { get; }
    /// <summary>B (lora_up): [Out, Rank].</summary>
    public float[] Up { get; }

    /// <summary>Alpha / Rank.</summary>
    public float Scale => Alpha / Rank;

    /// <exception cref="ArgumentException">Non-positive sizes or arrays of the wrong length.</exception>
    public LoraModule(string modulePath, int @in, int @out, int rank, float alpha, float[]? down = null, float[]? up = null)
    {
        if (@in <= 0 || @out <= 0 || rank <= 0) throw new ArgumentException($"LoRA '{modulePath}': in/out/rank must be positive ({@in}, {@out}, {rank})");
        ModulePath = modulePath; In = @in; Out = @out; Rank = rank; Alpha = alpha;
        Down = down ?? new float[(long)rank * @in];
        Up = up ?? new float[(long)@out * rank];
        if (Down.Length != (long)rank * @in) throw new ArgumentException($"LoRA '{modulePath}': down has {Down.Length} elements, [{rank}, {@in}] expected");
        if (Up.Length != (long)@out * rank) throw new ArgumentException($"LoRA '{modulePath}': up has {Up.Length} elements, [{@out}, {rank}] expected");
    }
}
