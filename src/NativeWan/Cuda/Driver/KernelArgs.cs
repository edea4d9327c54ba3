using System.Runtime.CompilerServices;

namespace NativeWan.Cuda.Driver;

/// <summary>
/// Kernel parameters packed on the stack: each <see cref="Add{T}"/> copies the value into an 8-byte-aligned slot of
/// an inline buffer (256 bytes, at most 32 parameters), and <see cref="CudaFunction.Launch(Dim3, Dim3, ref KernelArgs, nint, uint)"/>
/// passes <c>cuLaunchKernel</c> a stackalloc'd <c>void*[]</c> pointing into that buffer. Nothing is boxed or pinned:
/// a ref struct cannot leave the stack, so the pointers stay valid for the call.
/// </summary>
/// <remarks>
/// Types must match the kernel's C signature exactly: device pointers as <see cref="ulong"/> (CUdeviceptr),
/// <c>int</c> as <see cref="int"/>, <c>long long</c> as <see cref="long"/>, <c>float</c> as <see cref="float"/>.
/// The driver reads each parameter's size from the kernel, so a wrong C# type silently passes garbage.
/// </remarks>
public unsafe ref struct KernelArgs
{
    /// <summary>Maximum number of parameters.</summary>
    public const int MaxArgs = 32;
    /// <summary>Total bytes of parameter storage (8-byte slots).</summary>
    public const int MaxBytes = 256;

    [InlineArray(MaxBytes / 8)] struct Slots { ulong _e0; }
    [InlineArray(MaxArgs)] struct Offsets { ushort _e0; }

    Slots _slots;
    Offsets _offsets;
    int _count;
    int _usedBytes;

    /// <summary>Number of parameters added.</summary>
    public readonly int Count => _count;

    /// <summary>Appends one parameter value (copied).</summary>
    /// <exception cref="InvalidOperationException">More than <see cref="MaxArgs"/> parameters or <see cref="MaxBytes"/> bytes.</exception>
    public void Add<T>(T value) where T : unmanaged
    {
        int size = sizeof(T);
        int aligned = (size + 7) & ~7;
        if (_count >= MaxArgs || _usedBytes + aligned > MaxBytes)
            throw new InvalidOperationException($"too many kernel parameters ({_count + 1} / {_usedBytes + aligned} bytes; limit {MaxArgs} / {MaxBytes})");
        ref byte dst = ref Unsafe.Add(ref Unsafe.As<ulong, byte>(ref _slots[0]), _usedBytes);
        Unsafe.WriteUnaligned(ref dst, value);
        _offsets[_count++] = (ushort)_usedBytes;
        _usedBytes += aligned;
    }

    /// <summary>Writes <see cref="Count"/> pointers, one per parameter, into <paramref name="dst"/>.</summary>
    internal void WritePointers(void** dst)
    {
        byte* basePtr = (byte*)Unsafe.AsPointer(ref _slots[0]);
        for (int i = 0; i < _count; i++) dst[i] = basePtr + _offsets[i];
    }
}
