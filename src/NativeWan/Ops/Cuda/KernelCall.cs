using System.Runtime.CompilerServices;
using NativeWan.Cuda.Driver;

namespace NativeWan.Ops.Cuda;

/// <summary>C type of one kernel parameter, as <see cref="KernelCall"/> records it.</summary>
public enum KernelArgKind : byte
{
    /// <summary>Any pointer (CUdeviceptr, 8 bytes).</summary>
    Pointer,
    /// <summary><c>int</c>.</summary>
    Int32,
    /// <summary><c>long long</c>.</summary>
    Int64,
    /// <summary><c>float</c>.</summary>
    Float32,
    /// <summary><c>double</c>.</summary>
    Float64,
}

/// <summary>One kernel parameter: its C type and its value's bits (zero-extended to 64).</summary>
public readonly record struct KernelArg(KernelArgKind Kind, ulong Bits)
{
    /// <summary>The value as a .NET number (for messages and tests).</summary>
    public object Value => Kind switch
    {
        KernelArgKind.Pointer => (object)Bits,
        KernelArgKind.Int32 => (object)(int)(uint)Bits,
        KernelArgKind.Int64 => (object)(long)Bits,
        KernelArgKind.Float32 => (object)BitConverter.Int32BitsToSingle((int)(uint)Bits),
        _ => (object)BitConverter.Int64BitsToDouble((long)Bits),
    };

    /// <inheritdoc/>
    public override string ToString() => Kind == KernelArgKind.Pointer ? $"0x{Bits:X}" : $"{Value}";
}

/// <summary>
/// A fully described kernel launch: kernel file, extern "C" name, grid, block, dynamic shared memory and the parameter
/// list with C types. Built by <see cref="KernelPlans"/> without touching the GPU (so shapes, names and argument
/// packing are testable on any machine) and executed by <see cref="CudaOps.Launch"/>, which copies the parameters into
/// a stack-only <see cref="KernelArgs"/>. A value type with inline storage: building one allocates nothing.
/// </summary>
public struct KernelCall
{
    /// <summary>Most parameters a call can hold.</summary>
    public const int MaxArgs = 24;

    [InlineArray(MaxArgs)] struct ArgArray { KernelArg _e0; }

    ArgArray _args;
    int _count;

    /// <summary>Kernel source file in the kernels folder ("rmsnorm.cu").</summary>
    public string File { get; }
    /// <summary>Kernel entry point ("nw_rmsnorm_fwd_bf16").</summary>
    public string Kernel { get; }
    /// <summary>Blocks per grid.</summary>
    public Dim3 Grid { get; }
    /// <summary>Threads per block.</summary>
    public Dim3 Block { get; }
    /// <summary>Dynamic shared memory per block in bytes (0 for every v1 kernel: they use static shared memory).</summary>
    public uint SharedBytes { get; }

    /// <summary>Starts a call with no parameters.</summary>
    public KernelCall(string file, string kernel, Dim3 grid, Dim3 block, uint sharedBytes = 0)
    {
        File = file; Kernel = kernel; Grid = grid; Block = block; SharedBytes = sharedBytes;
        _args = default; _count = 0;
    }

    /// <summary>Number of parameters added.</summary>
    public readonly int Count => _count;

    /// <summary>Parameter <paramref name="i"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">i is not below <see cref="Count"/>.</exception>
    public readonly KernelArg this[int i] => (uint)i < (uint)_count ? _args[i] : throw new ArgumentOutOfRangeException(nameof(i), i, $"{Kernel} has {_count} parameters");

    /// <summary>The parameters in declaration order (a copy).</summary>
    public readonly KernelArg[] Args()
    {
        var a = new KernelArg[_count];
        for (int i = 0; i < _count; i++) a[i] = _args[i];
        return a;
    }

    void Add(KernelArgKind kind, ulong bits)
    {
        if (_count >= MaxArgs) throw new InvalidOperationException($"{Kernel}: more than {MaxArgs} kernel parameters");
        _args[_count++] = new KernelArg(kind, bits);
    }

    /// <summary>Appends a pointer parameter (the tensor's address; 0 for the null tensor).</summary>
    public void Ptr(GpuTensor t) => Add(KernelArgKind.Pointer, t.Pointer);
    /// <summary>Appends an <c>int</c>.</summary>
    public void I32(int v) => Add(KernelArgKind.Int32, (uint)v);
    /// <summary>Appends a <c>long long</c>.</summary>
    public void I64(long v) => Add(KernelArgKind.Int64, (ulong)v);
    /// <summary>Appends a <c>float</c>.</summary>
    public void F32(float v) => Add(KernelArgKind.Float32, (uint)BitConverter.SingleToInt32Bits(v));
    /// <summary>Appends a <c>double</c>.</summary>
    public void F64(double v) => Add(KernelArgKind.Float64, (ulong)BitConverter.DoubleToInt64Bits(v));

    /// <summary>Copies the parameters into <paramref name="args"/> with exactly their C sizes.</summary>
    public readonly void Pack(ref KernelArgs args)
    {
        for (int i = 0; i < _count; i++)
        {
            var a = _args[i];
            switch (a.Kind)
            {
                case KernelArgKind.Pointer: args.Add(a.Bits); break;
                case KernelArgKind.Int32: args.Add((int)(uint)a.Bits); break;
                case KernelArgKind.Int64: args.Add((long)a.Bits); break;
                case KernelArgKind.Float32: args.Add(BitConverter.Int32BitsToSingle((int)(uint)a.Bits)); break;
                default: args.Add(BitConverter.Int64BitsToDouble((long)a.Bits)); break;
            }
        }
    }

    /// <inheritdoc/>
    public override readonly string ToString()
        => $"{File}:{Kernel}<<<({Grid.X},{Grid.Y},{Grid.Z}), ({Block.X},{Block.Y},{Block.Z}), {SharedBytes}>>>({string.Join(", ", Args())})";
}
