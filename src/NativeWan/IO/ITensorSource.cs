namespace NativeWan.IO;

/// <summary>
/// A read-only set of named tensors (a safetensors file, a sharded checkpoint, a PyTorch .pth state dict).
/// Data is read on demand; implementations are safe for concurrent reads.
/// </summary>
public interface ITensorSource : IDisposable
{
    /// <summary>The file (or index file) this source was opened from.</summary>
    string SourcePath { get; }

    /// <summary>All tensors in file order.</summary>
    IReadOnlyList<TensorInfo> Tensors { get; }

    /// <summary>String metadata (safetensors <c>__metadata__</c>); empty when the format has none.</summary>
    IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Looks a tensor up by name.</summary>
    bool TryGet(string name, out TensorInfo info);

    /// <summary>Copies the raw little-endian bytes of <paramref name="tensor"/> into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">destination is not exactly <see cref="TensorInfo.ByteLength"/> bytes.</exception>
    void ReadBytes(TensorInfo tensor, Span<byte> destination);

    /// <summary>
    /// Copies <c>destination.Length</c> bytes starting <paramref name="start"/> bytes into the tensor's row-major data
    /// (for tensors over 2 GiB, read in pieces).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range runs outside the tensor.</exception>
    void ReadBytes(TensorInfo tensor, long start, Span<byte> destination);
}
