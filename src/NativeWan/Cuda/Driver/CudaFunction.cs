namespace NativeWan.Cuda.Driver;

/// <summary>Grid or block dimensions of a launch.</summary>
public readonly record struct Dim3(uint X, uint Y = 1, uint Z = 1)
{
    /// <summary>A 1-D dimension.</summary>
    public static implicit operator Dim3(uint x) => new(x);

    /// <summary>A 1-D dimension from an int.</summary>
    /// <exception cref="ArgumentOutOfRangeException">x is not positive.</exception>
    public static implicit operator Dim3(int x) => x > 0 ? new((uint)x) : throw new ArgumentOutOfRangeException(nameof(x), x, "dimension must be positive");

    /// <summary>Number of blocks of <paramref name="blockSize"/> threads covering <paramref name="n"/> elements: ceil(n / blockSize), at least 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">n is negative, blockSize not positive, or the grid exceeds 2³¹−1 blocks.</exception>
    public static Dim3 BlocksFor(long n, int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        long blocks = Math.Max(1, (n + blockSize - 1) / blockSize);
        if (blocks > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(n), n, $"{blocks} blocks exceed the grid limit 2^31-1; use a grid-stride loop");
        return new Dim3((uint)blocks);
    }

    /// <summary>X·Y·Z.</summary>
    public ulong Volume => (ulong)X * Y * Z;
}

/// <summary>
/// A kernel entry point (<c>CUfunction</c>) of a loaded <see cref="CudaModule"/>. Launches are asynchronous and never
/// synchronize or box: arguments travel in a stack-only <see cref="KernelArgs"/>.
/// </summary>
public readonly unsafe struct CudaFunction
{
    /// <summary>The raw CUfunction.</summary>
    public nint Handle { get; }
    /// <summary>The kernel's extern "C" name.</summary>
    public string Name { get; }

    internal CudaFunction(nint handle, string name) { Handle = handle; Name = name; }

    /// <summary>
    /// Enqueues the kernel on <paramref name="stream"/> (raw CUstream, 0 = legacy default stream).
    /// </summary>
    /// <param name="grid">Blocks per grid.</param>
    /// <param name="block">Threads per block (X·Y·Z ≤ 1024).</param>
    /// <param name="args">The kernel parameters in declaration order, with exactly the C types of the kernel signature.</param>
    /// <param name="stream">Raw stream handle.</param>
    /// <param name="sharedMemBytes">Dynamic shared memory per block in bytes.</param>
    /// <exception cref="CudaException">The launch was rejected (e.g. CUDA_ERROR_INVALID_VALUE for bad dimensions,
    /// CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES). Faults inside the kernel surface at the next synchronizing call.</exception>
    public void Launch(Dim3 grid, Dim3 block, scoped ref KernelArgs args, nint stream = 0, uint sharedMemBytes = 0)
    {
        int n = args.Count;
        void** p = stackalloc void*[Math.Max(n, 1)];
        args.WritePointers(p);
        Launch(grid, block, p, stream, sharedMemBytes);
    }

    /// <summary>
    /// Enqueues the kernel with a caller-built parameter array: <paramref name="kernelParams"/>[i] points at the value of
    /// parameter i (typically <c>stackalloc</c> of addresses of locals).
    /// </summary>
    /// <exception cref="CudaException">The launch was rejected.</exception>
    public void Launch(Dim3 grid, Dim3 block, void** kernelParams, nint stream = 0, uint sharedMemBytes = 0)
    {
        var r = CuDriver.cuLaunchKernel(Handle, grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z, sharedMemBytes, stream, kernelParams, null);
        if (r != CuResult.Success)
            CuDriver.Check(r, "cuLaunchKernel", $"kernel '{Name}' grid ({grid.X},{grid.Y},{grid.Z}) block ({block.X},{block.Y},{block.Z}) shared {sharedMemBytes} B");
    }

    /// <summary>Allows up to <paramref name="bytes"/> of dynamic shared memory per block (needed above 48 KiB).</summary>
    public void SetMaxDynamicSharedMemory(int bytes)
        => CuDriver.Check(CuDriver.cuFuncSetAttribute(Handle, CuDriver.FuncAttributeMaxDynamicSharedSizeBytes, bytes), "cuFuncSetAttribute", $"kernel '{Name}' dynamic shared {bytes} B");
}
