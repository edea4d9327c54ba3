namespace NativeWan.Cuda.Memory;

/// <summary>
/// A device allocation handed out by <see cref="CachingDeviceAllocator"/>. A plain value: it does not free itself;
/// return it with <see cref="CachingDeviceAllocator.Free"/> exactly once. <see cref="Pointer"/> is 0 for a
/// zero-byte request.
/// </summary>
/// <param name="Pointer">CUdeviceptr of the first byte (at least 256-byte aligned with the CUDA backend).</param>
/// <param name="Length">Bytes requested.</param>
/// <param name="Capacity">Bytes reserved (the size class, ≥ Length).</param>
/// <param name="Stream">The stream the block is ordered on (raw CUstream); it is reused for later requests on this stream.</param>
public readonly record struct DeviceBuffer(ulong Pointer, ulong Length, ulong Capacity, nint Stream)
{
    /// <summary>True for the zero-byte buffer.</summary>
    public bool IsEmpty => Pointer == 0;

    /// <summary>Device address of byte <paramref name="byteOffset"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The offset is beyond <see cref="Length"/>.</exception>
    public ulong At(ulong byteOffset)
        => byteOffset <= Length ? Pointer + byteOffset : throw new ArgumentOutOfRangeException(nameof(byteOffset), byteOffset, $"buffer holds {Length} bytes");
}

/// <summary>
/// Page-locked host memory from <see cref="PinnedHostPool"/>; return it with <see cref="PinnedHostPool.Free"/>.
/// </summary>
/// <param name="Pointer">Host address (0 for a zero-byte request).</param>
/// <param name="Length">Bytes requested.</param>
/// <param name="Capacity">Bytes reserved (size class).</param>
public readonly unsafe record struct PinnedBuffer(nint Pointer, ulong Length, ulong Capacity)
{
    /// <summary>True for the zero-byte buffer.</summary>
    public bool IsEmpty => Pointer == 0;

    /// <summary>The first <see cref="Length"/> bytes viewed as elements of <typeparamref name="T"/> (Length / sizeof(T) of them).</summary>
    /// <exception cref="InvalidOperationException">More than int.MaxValue elements.</exception>
    public Span<T> AsSpan<T>() where T : unmanaged
    {
        ulong n = Length / (ulong)sizeof(T);
        if (n > int.MaxValue) throw new InvalidOperationException($"pinned buffer of {Length} bytes has more than int.MaxValue elements of {typeof(T).Name}");
        return new Span<T>((void*)Pointer, (int)n);
    }
}
