using System.Text;

namespace NativeWan.Cuda.Driver;

/// <summary>A loaded CUDA module (<c>CUmodule</c>); functions from it are valid while it is not disposed.</summary>
public sealed unsafe class CudaModule : CudaContextBoundHandle
{
    readonly Dictionary<string, CudaFunction> _functions = new(StringComparer.Ordinal);

    /// <summary>What was loaded (kernel file name or path), for messages.</summary>
    public string Name { get; }

    CudaModule(CudaContextHandle context, string name) : base(context) => Name = name;

    internal static CudaModule Load(CudaContextHandle context, ReadOnlySpan<byte> image, string name)
    {
        if (image.IsEmpty) throw new ArgumentException($"module image for {name} is empty", nameof(image));
        var m = new CudaModule(context, name);
        nint raw;
        fixed (byte* p = image)
            CuDriver.Check(CuDriver.cuModuleLoadData(out raw, p), "cuModuleLoadData", $"loading {name} ({image.Length:N0} bytes)");
        m.Attach(raw);
        return m;
    }

    private protected override CuResult Destroy(nint raw) => CuDriver.cuModuleUnload(raw);

    /// <summary>Looks up an <c>extern "C" __global__</c> function by its unmangled name (cached per name).</summary>
    /// <exception cref="CudaException">No such function (CUDA_ERROR_NOT_FOUND); the message names the module.</exception>
    public CudaFunction GetFunction(string name)
    {
        lock (_functions)
        {
            if (_functions.TryGetValue(name, out var f)) return f;
            int n = Encoding.UTF8.GetByteCount(name);
            byte* buf = stackalloc byte[n + 1];
            Encoding.UTF8.GetBytes(name, new Span<byte>(buf, n));
            buf[n] = 0;
            CuDriver.Check(CuDriver.cuModuleGetFunction(out nint raw, Raw, buf), "cuModuleGetFunction", $"kernel '{name}' in {Name}");
            f = new CudaFunction(raw, name);
            _functions[name] = f;
            return f;
        }
    }
}
