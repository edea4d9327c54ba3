namespace NativeWan.Cuda;

/// <summary>Which native library produced a status code.</summary>
public enum CudaLibrary
{
    /// <summary>CUDA driver API (<c>CUresult</c>).</summary>
    Driver,
    /// <summary>NVRTC (<c>nvrtcResult</c>).</summary>
    Nvrtc,
    /// <summary>cuBLAS / cuBLASLt (<c>cublasStatus_t</c>).</summary>
    CublasLt,
}

/// <summary>
/// A CUDA driver, NVRTC or cuBLASLt call returned an error. The message names the call, the status name
/// (e.g. <c>CUDA_ERROR_ILLEGAL_ADDRESS</c>) and its description, plus any context the caller added.
/// </summary>
public class CudaException : Exception
{
    /// <summary>The library whose status this is.</summary>
    public CudaLibrary Library { get; }
    /// <summary>The raw status code (<c>CUresult</c>, <c>nvrtcResult</c> or <c>cublasStatus_t</c>).</summary>
    public int Code { get; }
    /// <summary>Symbolic status name, e.g. <c>CUDA_ERROR_OUT_OF_MEMORY</c>.</summary>
    public string ErrorName { get; }
    /// <summary>The native function that failed, e.g. <c>cuMemAlloc_v2</c>.</summary>
    public string Api { get; }

    /// <summary>Creates the exception; <paramref name="detail"/> (optional) is appended to the message.</summary>
    public CudaException(CudaLibrary library, int code, string api, string? detail = null)
        : this(library, code, api, CudaErrorText.Name(library, code), CudaErrorText.Description(library, code), detail) { }

    /// <summary>Creates the exception with an explicit name and description.</summary>
    public CudaException(CudaLibrary library, int code, string api, string errorName, string description, string? detail)
        : base(Format(api, errorName, code, description, detail))
    {
        Library = library; Code = code; ErrorName = errorName; Api = api;
    }

    static string Format(string api, string name, int code, string description, string? detail)
        => $"{api} failed: {name} ({code}): {description}" + (string.IsNullOrEmpty(detail) ? "" : $" — {detail}");
}

/// <summary>
/// Device or pinned host memory could not be allocated even after the allocator released its cached blocks.
/// The message says what was being allocated, how many bytes, and the pool's state.
/// </summary>
public sealed class CudaOutOfMemoryException : CudaException
{
    /// <summary>Bytes requested by the caller.</summary>
    public ulong RequestedBytes { get; }

    /// <summary>Creates the exception (the code is <c>CUDA_ERROR_OUT_OF_MEMORY</c> = 2).</summary>
    public CudaOutOfMemoryException(string api, ulong requestedBytes, string detail)
        : base(CudaLibrary.Driver, 2, api, detail) => RequestedBytes = requestedBytes;
}
