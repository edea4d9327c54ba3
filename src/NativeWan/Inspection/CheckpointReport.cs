using NativeWan.IO;

namespace NativeWan.Inspection;

/// <summary>What <see cref="CheckpointInspector"/> recognized in a file: one entry per component found.</summary>
/// <param name="Kind">Short kind: <c>wan-dit</c>, <c>wan-vae</c>, <c>umt5-encoder</c>, <c>sentencepiece</c>, <c>lora</c>, <c>fp8-scaled</c>, <c>golden</c>.</param>
/// <param name="Description">One human-readable line, e.g. "Wan DiT t2v (dim 5120, ffn 13824, 40 layers, 40 heads)".</param>
/// <param name="Properties">Inferred properties (dims, layer counts, formats) as strings, for <c>--json</c>.</param>
public sealed record Recognition(string Kind, string Description, IReadOnlyDictionary<string, string> Properties);

/// <summary>The result of inspecting one file.</summary>
/// <param name="Path">The file inspected.</param>
/// <param name="Tensors">Every tensor (name, dtype, shape, bytes) in file order.</param>
/// <param name="Metadata">String metadata of the file (may be empty).</param>
/// <param name="Recognized">Components recognized, most specific first; empty when nothing is recognized.</param>
public sealed record CheckpointReport(
    string Path,
    IReadOnlyList<TensorInfo> Tensors,
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<Recognition> Recognized)
{
    /// <summary>Sum of all tensors' bytes.</summary>
    public long TotalBytes => Tensors.Sum(t => t.ByteLength);
    /// <summary>Sum of all tensors' element counts.</summary>
    public long TotalElements => Tensors.Sum(t => t.ElementCount);
}
