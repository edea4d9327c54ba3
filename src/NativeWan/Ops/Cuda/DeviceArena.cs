using NativeWan.Numerics;

namespace NativeWan.Ops.Cuda;

/// <summary>
/// Hands out the tensors of an allocation plan (llm.c's "one malloc, then point every tensor into it"): a layout
/// function calls <see cref="Take"/> once per tensor, first on a <see cref="Measure"/> arena to learn the total size,
/// then on a real arena with the same calls. A real arena is either one backend allocation sliced at
/// <see cref="Alignment"/>-byte boundaries (<see cref="Block"/>, the default) or one allocation per tensor
/// (<see cref="PerTensor"/>: slower to set up, but the host emulator then guards every tensor separately, so a kernel
/// that writes past one tensor into its neighbour is caught).
/// </summary>
/// <remarks>Not thread-safe. Disposing returns the memory to the backend (stream-ordered).</remarks>
public sealed class DeviceArena : IDisposable
{
    /// <summary>Byte alignment of every tensor in a block arena (cuBLASLt and vector loads want ≥ 16).</summary>
    public const int Alignment = 256;

    readonly IKernelBackend? _backend;
    readonly GpuTensor _block;
    readonly List<GpuTensor> _owned = new();
    readonly bool _measure, _perTensor;
    long _offset;

    DeviceArena(IKernelBackend? backend, GpuTensor block, bool measure, bool perTensor)
    {
        _backend = backend; _block = block; _measure = measure; _perTensor = perTensor;
    }

    /// <summary>An arena that only adds up sizes; its tensors have placeholder addresses and must never be launched on.</summary>
    public static DeviceArena Measure() => new(null, default, measure: true, perTensor: false);

    /// <summary>One allocation of <paramref name="bytes"/> (from a measuring pass's <see cref="Bytes"/>), sliced by <see cref="Take"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">bytes is negative.</exception>
    public static DeviceArena Block(IKernelBackend backend, long bytes, string what)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        var t = backend.Allocate((bytes + 3) / 4, DType.F32, what);
        return new DeviceArena(backend, t, measure: false, perTensor: false);
    }

    /// <summary>An arena whose every <see cref="Take"/> is its own backend allocation.</summary>
    public static DeviceArena PerTensor(IKernelBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return new DeviceArena(backend, default, measure: false, perTensor: true);
    }

    /// <summary>True for a <see cref="Measure"/> arena (nothing may be uploaded to its tensors).</summary>
    public bool IsMeasuring => _measure;

    /// <summary>Bytes laid out so far, alignment padding included.</summary>
    public long Bytes => _offset;

    /// <summary>
    /// The next tensor of the plan: <paramref name="elements"/> elements of <paramref name="dtype"/>; the null tensor
    /// for zero elements (an absent optional input).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">elements is negative.</exception>
    /// <exception cref="InvalidOperationException">A block arena is asked for more than it was sized for (the layout
    /// differs from the measuring pass), or the arena was disposed.</exception>
    public GpuTensor Take(long elements, DType dtype, string what)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elements);
        if (elements == 0) return default;
        long bytes = elements * dtype.Size();
        long start = _offset;
        _offset = checked(start + (bytes + Alignment - 1) / Alignment * Alignment);
        if (_measure) return new GpuTensor(Alignment + (ulong)start, elements, dtype);
        if (_disposed) throw new ObjectDisposedException(nameof(DeviceArena));
        if (_perTensor)
        {
            var t = _backend!.Allocate(elements, dtype, what);
            _owned.Add(t);
            return t;
        }
        if (start + bytes > _block.Bytes)
            throw new InvalidOperationException($"allocation plan overflow at '{what}': needs {start + bytes} bytes, the arena has {_block.Bytes}");
        return new GpuTensor(_block.Pointer + (ulong)start, elements, dtype);
    }

    bool _disposed;

    /// <summary>Returns the arena's memory to the backend.</summary>
    public void Dispose()
    {
        if (_disposed || _measure) return;
        _disposed = true;
        if (!_block.IsNull) _backend!.Free(_block);
        foreach (var t in _owned) _backend!.Free(t);
        _owned.Clear();
    }
}
