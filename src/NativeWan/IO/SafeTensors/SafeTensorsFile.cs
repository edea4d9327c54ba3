using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;

namespace NativeWan.IO.SafeTensors;

/// <summary>
/// A lazy, memory-mapped safetensors reader: the header is parsed and validated on open (see
/// <see cref="SafeTensorsHeader.Parse"/>); tensor data is read on demand as spans over the mapping or copied into
/// caller buffers. Thread-safe for reads. Dispose to unmap.
/// </summary>
public sealed unsafe class SafeTensorsFile : ITensorSource
{
    readonly MemoryMappedFile? _map;
    readonly MemoryMappedViewAccessor? _view;
    readonly byte* _base;
    readonly long _length;
    readonly Dictionary<string, TensorInfo> _byName = new();
    bool _disposed;

    /// <inheritdoc/>
    public string SourcePath { get; }
    /// <inheritdoc/>
    public IReadOnlyList<TensorInfo> Tensors { get; } = Array.Empty<TensorInfo>();
    /// <inheritdoc/>
    public IReadOnlyDictionary<string, string> Metadata { get; } = new Dictionary<string, string>();
    /// <summary>Bytes of the JSON header (without the 8-byte length).</summary>
    public long HeaderLength { get; }

    SafeTensorsFile(string path, string? stripPrefix)
    {
        SourcePath = path;
        var fi = new FileInfo(path);
        if (!fi.Exists) throw new FileNotFoundException($"{path}: file not found", path);
        _length = fi.Length;
        if (_length < 8) throw new ModelFileException(path, null, $"file is {_length} bytes, too short for a safetensors header");
        _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        try
        {
            _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* p = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            _base = p + _view.PointerOffset;
            ulong n = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(_base, 8));
            if (n > (ulong)(_length - 8))
                throw new ModelFileException(path, null, $"header length {n} exceeds the file ({_length} bytes)");
            if (n > SafeTensorsHeader.MaxHeaderBytes)
                throw new ModelFileException(path, null, $"header length {n} exceeds the {SafeTensorsHeader.MaxHeaderBytes}-byte limit");
            HeaderLength = (long)n;
            var (tensors, meta) = SafeTensorsHeader.Parse(path, new ReadOnlySpan<byte>(_base + 8, (int)n), (long)n, _length, stripPrefix);
            Tensors = tensors;
            Metadata = meta;
            _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Opens and validates a safetensors file.</summary>
    /// <param name="path">The .safetensors file.</param>
    /// <param name="stripPrefix">Optional name prefix removed where present (e.g. <c>model.diffusion_model.</c>).</param>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="ModelFileException">Malformed or inconsistent header; the message names the file and tensor.</exception>
    public static SafeTensorsFile Open(string path, string? stripPrefix = null) => new(path, stripPrefix);

    /// <inheritdoc/>
    public bool TryGet(string name, out TensorInfo info) => _byName.TryGetValue(name, out info!);

    /// <summary>
    /// A span over the mapped bytes of <paramref name="t"/> (valid until Dispose). Tensors over 2 GiB must be read
    /// with <see cref="ReadBytes(TensorInfo, long, Span{byte})"/> in pieces.
    /// </summary>
    public ReadOnlySpan<byte> GetSpan(TensorInfo t)
    {
        Check(t);
        if (t.ByteLength > int.MaxValue) throw new ModelFileException(SourcePath, t.Name, "tensor over 2 GiB: read it in pieces");
        return new ReadOnlySpan<byte>(_base + t.Offset, (int)t.ByteLength);
    }

    /// <inheritdoc/>
    public void ReadBytes(TensorInfo tensor, Span<byte> destination)
    {
        if (destination.Length != tensor.ByteLength)
            throw new ArgumentException($"destination is {destination.Length} bytes, tensor '{tensor.Name}' has {tensor.ByteLength}");
        ReadBytes(tensor, 0, destination);
    }

    /// <summary>Copies <c>destination.Length</c> bytes starting <paramref name="start"/> bytes into the tensor.</summary>
    public void ReadBytes(TensorInfo tensor, long start, Span<byte> destination)
    {
        Check(tensor);
        if (start < 0 || start + destination.Length > tensor.ByteLength)
            throw new ArgumentOutOfRangeException(nameof(start), $"range [{start}, {start + destination.Length}) outside tensor '{tensor.Name}' ({tensor.ByteLength} bytes)");
        new ReadOnlySpan<byte>(_base + tensor.Offset + start, destination.Length).CopyTo(destination);
    }

    void Check(TensorInfo t)
    {
        if (_disposed) throw new ObjectDisposedException(SourcePath);
        if (!_byName.TryGetValue(t.Name, out var mine) || !ReferenceEquals(mine, t))
            throw new ArgumentException($"tensor '{t.Name}' does not belong to {SourcePath}");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_view is not null)
        {
            if (_base != null) _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
        GC.SuppressFinalize(this);
    }
}
