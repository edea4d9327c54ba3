using NativeWan.Cuda.Memory;
using NativeWan.Numerics;

namespace NativeWan.Ops.Cuda;

/// <summary>
/// A typed view of device memory handed to <see cref="CudaOps"/> and <see cref="KernelPlans"/>: a CUdeviceptr, an
/// element count and the element type. A plain value; it owns nothing (the memory belongs to a
/// <see cref="CachingDeviceAllocator"/> buffer or to the caller). <c>default</c> is the null tensor, used for optional
/// arguments (no affine weight, no gate, …), which the kernels receive as a null pointer.
/// </summary>
/// <param name="Pointer">Device address of element 0 (0 = null tensor).</param>
/// <param name="Length">Number of elements the view covers (tensors may be longer than an op needs, as CPU spans).</param>
/// <param name="DType">Element type: <see cref="DType.BF16"/> for activations, <see cref="DType.F32"/> for statistics,
/// vectors, gradients and master weights, <see cref="DType.F64"/> for timesteps and loss partials.</param>
public readonly record struct GpuTensor(ulong Pointer, long Length, DType DType)
{
    /// <summary>True for the null tensor (an absent optional argument).</summary>
    public bool IsNull => Pointer == 0;

    /// <summary>Bytes covered: Length · element size.</summary>
    public long Bytes => Length * DType.Size();

    /// <summary>A view of a pool buffer as <paramref name="dtype"/> elements (Length / element size of them).</summary>
    public static GpuTensor Of(DeviceBuffer buffer, DType dtype) => new(buffer.Pointer, (long)(buffer.Length / (ulong)dtype.Size()), dtype);

    /// <summary>Elements [offset, offset + length) of this view.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is outside the view.</exception>
    public GpuTensor Slice(long offset, long length)
    {
        if (offset < 0 || length < 0 || offset + length > Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"slice [{offset}, {offset + length}) is outside a tensor of {Length} elements");
        return new GpuTensor(Pointer + (ulong)(offset * DType.Size()), length, DType);
    }

    /// <inheritdoc/>
    public override string ToString() => IsNull ? "null" : $"{DType}[{Length}] @0x{Pointer:X}";
}
