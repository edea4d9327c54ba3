using System.Runtime.InteropServices;

namespace NativeWan.Cuda.Driver;

internal static unsafe partial class CuDriver
{
    /// <summary><c>cuModuleLoadData(CUmodule*, const void* image)</c>: cubin, fatbin or NUL-terminated PTX (JIT-compiled).</summary>
    [LibraryImport(Lib)] internal static partial CuResult cuModuleLoadData(out nint module, void* image);

    [LibraryImport(Lib)] internal static partial CuResult cuModuleUnload(nint module);

    /// <summary><c>cuModuleGetFunction(CUfunction*, CUmodule, const char* name)</c>: name is the unmangled extern "C" name.</summary>
    [LibraryImport(Lib)] internal static partial CuResult cuModuleGetFunction(out nint function, nint module, byte* name);

    /// <summary><c>cuFuncSetAttribute(CUfunction, CUfunction_attribute, int)</c>.</summary>
    [LibraryImport(Lib)] internal static partial CuResult cuFuncSetAttribute(nint function, int attribute, int value);

    /// <summary>CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES.</summary>
    internal const int FuncAttributeMaxDynamicSharedSizeBytes = 8;

    /// <summary>
    /// <c>cuLaunchKernel</c>: <paramref name="kernelParams"/> is an array of pointers, one per kernel parameter, each
    /// pointing at the parameter's value; <paramref name="extra"/> must be null when kernelParams is used.
    /// </summary>
    [LibraryImport(Lib)]
    internal static partial CuResult cuLaunchKernel(nint function,
        uint gridDimX, uint gridDimY, uint gridDimZ,
        uint blockDimX, uint blockDimY, uint blockDimZ,
        uint sharedMemBytes, nint stream, void** kernelParams, void** extra);
}
