namespace NativeWan.Lora;

/// <summary>
/// A Linear that can carry a LoRA adapter: its state-dict module path (the weight name without <c>.weight</c>, e.g.
/// <c>blocks.0.ffn.0</c>) and its weight shape [<paramref name="Out"/>, <paramref name="In"/>].
/// </summary>
public sealed record LoraTarget(string ModulePath, int In, int Out);
