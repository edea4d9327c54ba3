using NativeWan.Cuda.Driver;

namespace NativeWan.Cuda;

/// <summary>
/// Status names and descriptions. For the driver, <c>cuGetErrorName</c>/<c>cuGetErrorString</c> are asked first when
/// libcuda is loaded (they need no <c>cuInit</c>); otherwise, and for codes the driver does not know, a static table
/// of common codes is used. NVRTC strings come from <c>nvrtcGetErrorString</c> when loaded.
/// </summary>
public static class CudaErrorText
{
    /// <summary>Symbolic name of a status code, e.g. <c>CUDA_ERROR_OUT_OF_MEMORY</c>; unknown codes give <c>CUDA_ERROR_UNKNOWN_CODE_&lt;n&gt;</c>.</summary>
    public static string Name(CudaLibrary library, int code)
    {
        if (library == CudaLibrary.Driver && DriverText(code, name: true) is { } s) return s;
        if (library == CudaLibrary.Nvrtc && NvrtcText(code) is { } n) return n;
        var table = library switch { CudaLibrary.Driver => DriverNames, CudaLibrary.Nvrtc => NvrtcNames, _ => CublasNames };
        if (table.TryGetValue(code, out var e)) return e.Name;
        return library switch
        {
            CudaLibrary.Driver => $"CUDA_ERROR_UNKNOWN_CODE_{code}",
            CudaLibrary.Nvrtc => $"NVRTC_ERROR_UNKNOWN_CODE_{code}",
            _ => $"CUBLAS_STATUS_UNKNOWN_CODE_{code}",
        };
    }

    /// <summary>Human-readable description of a status code ("unknown status" for codes not in any table).</summary>
    public static string Description(CudaLibrary library, int code)
    {
        if (library == CudaLibrary.Driver && DriverText(code, name: false) is { } s) return s;
        var table = library switch { CudaLibrary.Driver => DriverNames, CudaLibrary.Nvrtc => NvrtcNames, _ => CublasNames };
        return table.TryGetValue(code, out var e) ? e.Text : "unknown status";
    }

    /// <summary>Static fallback table lookup only (no native calls); null for codes not in the table.</summary>
    public static string? FallbackName(CudaLibrary library, int code)
    {
        var table = library switch { CudaLibrary.Driver => DriverNames, CudaLibrary.Nvrtc => NvrtcNames, _ => CublasNames };
        return table.TryGetValue(code, out var e) ? e.Name : null;
    }

    static unsafe string? DriverText(int code, bool name)
    {
        if (!NativeLibraries.IsAvailable(NativeLibraries.Cuda)) return null;
        try
        {
            byte* p = null;
            var r = name ? CuDriver.cuGetErrorName((CuResult)code, &p) : CuDriver.cuGetErrorString((CuResult)code, &p);
            return r == CuResult.Success && p != null ? new string((sbyte*)p) : null;
        }
        catch (EntryPointNotFoundException) { return null; }
    }

    static unsafe string? NvrtcText(int code)
    {
        if (!NativeLibraries.IsAvailable(NativeLibraries.Nvrtc)) return null;
        try
        {
            byte* p = Nvrtc.NvrtcNative.nvrtcGetErrorString(code);
            if (p == null) return null;
            var s = new string((sbyte*)p);
            return s.StartsWith("NVRTC_", StringComparison.Ordinal) ? s : null;
        }
        catch (EntryPointNotFoundException) { return null; }
    }

    static readonly Dictionary<int, (string Name, string Text)> DriverNames = new()
    {
        [0] = ("CUDA_SUCCESS", "no error"),
        [1] = ("CUDA_ERROR_INVALID_VALUE", "invalid argument"),
        [2] = ("CUDA_ERROR_OUT_OF_MEMORY", "out of memory"),
        [3] = ("CUDA_ERROR_NOT_INITIALIZED", "initialization error (cuInit was not called)"),
        [4] = ("CUDA_ERROR_DEINITIALIZED", "driver shutting down"),
        [34] = ("CUDA_ERROR_STUB_LIBRARY", "CUDA driver is a stub library"),
        [46] = ("CUDA_ERROR_DEVICE_UNAVAILABLE", "CUDA-capable device(s) is/are busy or unavailable"),
        [100] = ("CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"),
        [101] = ("CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal"),
        [102] = ("CUDA_ERROR_DEVICE_NOT_LICENSED", "device doesn't have valid Grid license"),
        [200] = ("CUDA_ERROR_INVALID_IMAGE", "device kernel image is invalid"),
        [201] = ("CUDA_ERROR_INVALID_CONTEXT", "invalid device context"),
        [202] = ("CUDA_ERROR_CONTEXT_ALREADY_CURRENT", "context already current"),
        [205] = ("CUDA_ERROR_MAP_FAILED", "mapping of buffer object failed"),
        [209] = ("CUDA_ERROR_NO_BINARY_FOR_GPU", "no kernel image is available for execution on the device"),
        [214] = ("CUDA_ERROR_ECC_UNCORRECTABLE", "uncorrectable ECC error encountered"),
        [218] = ("CUDA_ERROR_INVALID_PTX", "a PTX JIT compilation failed"),
        [221] = ("CUDA_ERROR_JIT_COMPILER_NOT_FOUND", "PTX JIT compiler library not found"),
        [222] = ("CUDA_ERROR_UNSUPPORTED_PTX_VERSION", "the provided PTX was compiled with an unsupported toolchain"),
        [300] = ("CUDA_ERROR_INVALID_SOURCE", "device kernel image is invalid"),
        [301] = ("CUDA_ERROR_FILE_NOT_FOUND", "file not found"),
        [304] = ("CUDA_ERROR_OPERATING_SYSTEM", "OS call failed or operation not supported on this OS"),
        [400] = ("CUDA_ERROR_INVALID_HANDLE", "invalid resource handle"),
        [401] = ("CUDA_ERROR_ILLEGAL_STATE", "the operation cannot be performed in the present state"),
        [500] = ("CUDA_ERROR_NOT_FOUND", "named symbol not found"),
        [600] = ("CUDA_ERROR_NOT_READY", "device not ready"),
        [700] = ("CUDA_ERROR_ILLEGAL_ADDRESS", "an illegal memory access was encountered"),
        [701] = ("CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", "too many resources requested for launch"),
        [702] = ("CUDA_ERROR_LAUNCH_TIMEOUT", "the launch timed out and was terminated"),
        [708] = ("CUDA_ERROR_PRIMARY_CONTEXT_ACTIVE", "primary context active"),
        [709] = ("CUDA_ERROR_CONTEXT_IS_DESTROYED", "context is destroyed"),
        [710] = ("CUDA_ERROR_ASSERT", "device-side assert triggered"),
        [714] = ("CUDA_ERROR_HARDWARE_STACK_ERROR", "hardware stack error"),
        [715] = ("CUDA_ERROR_ILLEGAL_INSTRUCTION", "an illegal instruction was encountered"),
        [716] = ("CUDA_ERROR_MISALIGNED_ADDRESS", "misaligned address"),
        [717] = ("CUDA_ERROR_INVALID_ADDRESS_SPACE", "operation not supported on global/shared address space"),
        [718] = ("CUDA_ERROR_INVALID_PC", "invalid program counter"),
        [719] = ("CUDA_ERROR_LAUNCH_FAILED", "unspecified launch failure"),
        [720] = ("CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE", "too many blocks in cooperative launch"),
        [800] = ("CUDA_ERROR_NOT_PERMITTED", "operation not permitted"),
        [801] = ("CUDA_ERROR_NOT_SUPPORTED", "operation not supported"),
        [802] = ("CUDA_ERROR_SYSTEM_NOT_READY", "system not yet initialized"),
        [803] = ("CUDA_ERROR_SYSTEM_DRIVER_MISMATCH", "system has unsupported display driver / cuda driver combination"),
        [804] = ("CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE", "forward compatibility was attempted on non supported HW"),
        [900] = ("CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED", "operation not permitted when stream is capturing"),
        [909] = ("CUDA_ERROR_TIMEOUT", "timeout"),
        [999] = ("CUDA_ERROR_UNKNOWN", "unknown error"),
    };

    static readonly Dictionary<int, (string Name, string Text)> NvrtcNames = new()
    {
        [0] = ("NVRTC_SUCCESS", "no error"),
        [1] = ("NVRTC_ERROR_OUT_OF_MEMORY", "out of memory"),
        [2] = ("NVRTC_ERROR_PROGRAM_CREATION_FAILURE", "program creation failure"),
        [3] = ("NVRTC_ERROR_INVALID_INPUT", "invalid input"),
        [4] = ("NVRTC_ERROR_INVALID_PROGRAM", "invalid program"),
        [5] = ("NVRTC_ERROR_INVALID_OPTION", "invalid option"),
        [6] = ("NVRTC_ERROR_COMPILATION", "compilation failed"),
        [7] = ("NVRTC_ERROR_BUILTIN_OPERATION_FAILURE", "builtin operation failure"),
        [8] = ("NVRTC_ERROR_NO_NAME_EXPRESSIONS_AFTER_COMPILATION", "no name expressions after compilation"),
        [9] = ("NVRTC_ERROR_NO_LOWERED_NAMES_BEFORE_COMPILATION", "no lowered names before compilation"),
        [10] = ("NVRTC_ERROR_NAME_EXPRESSION_NOT_VALID", "name expression not valid"),
        [11] = ("NVRTC_ERROR_INTERNAL_ERROR", "internal error"),
    };

    static readonly Dictionary<int, (string Name, string Text)> CublasNames = new()
    {
        [0] = ("CUBLAS_STATUS_SUCCESS", "success"),
        [1] = ("CUBLAS_STATUS_NOT_INITIALIZED", "the library was not initialized"),
        [3] = ("CUBLAS_STATUS_ALLOC_FAILED", "resource allocation failed"),
        [7] = ("CUBLAS_STATUS_INVALID_VALUE", "an unsupported value or parameter was passed"),
        [8] = ("CUBLAS_STATUS_ARCH_MISMATCH", "the function requires a feature absent from the device architecture"),
        [11] = ("CUBLAS_STATUS_MAPPING_ERROR", "an access to GPU memory space failed"),
        [13] = ("CUBLAS_STATUS_EXECUTION_FAILED", "the GPU program failed to execute"),
        [14] = ("CUBLAS_STATUS_INTERNAL_ERROR", "an internal operation failed"),
        [15] = ("CUBLAS_STATUS_NOT_SUPPORTED", "the functionality requested is not supported"),
        [16] = ("CUBLAS_STATUS_LICENSE_ERROR", "license error"),
    };
}
