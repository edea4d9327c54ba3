using System.Runtime.InteropServices;

namespace NativeWan.Cuda.Nvrtc;

/// <summary>
/// Raw NVRTC bindings (logical library <c>"nvrtc"</c>: libnvrtc.so.13, libnvrtc.so.12, libnvrtc.so,
/// nvrtc64_130_0.dll, nvrtc64_120_0.dll; see <see cref="NativeLibraries"/>). Blittable signatures: the program is an
/// opaque <c>nint</c>, strings are NUL-terminated UTF-8 <c>byte*</c>, sizes are <c>nuint</c>. Every function returns
/// an <c>nvrtcResult</c> as <c>int</c> (0 = NVRTC_SUCCESS, 6 = NVRTC_ERROR_COMPILATION).
/// </summary>
internal static unsafe partial class NvrtcNative
{
    const string Lib = NativeLibraries.Nvrtc;

    internal const int Success = 0;
    internal const int ErrorCompilation = 6;

    static NvrtcNative() => NativeLibraries.EnsureRegistered();

    [LibraryImport(Lib)] internal static partial int nvrtcVersion(out int major, out int minor);
    [LibraryImport(Lib)] internal static partial int nvrtcGetNumSupportedArchs(out int count);
    /// <summary>Fills <paramref name="archs"/> (length from nvrtcGetNumSupportedArchs) with e.g. 75, 80, 86, 89, 90.</summary>
    [LibraryImport(Lib)] internal static partial int nvrtcGetSupportedArchs(int* archs);

    /// <summary><c>nvrtcCreateProgram(nvrtcProgram*, const char* src, const char* name, int numHeaders, const char* const* headers, const char* const* includeNames)</c>.</summary>
    [LibraryImport(Lib)] internal static partial int nvrtcCreateProgram(out nint program, byte* source, byte* name, int numHeaders, byte** headers, byte** includeNames);
    /// <summary><c>nvrtcDestroyProgram(nvrtcProgram*)</c>; sets *program to null.</summary>
    [LibraryImport(Lib)] internal static partial int nvrtcDestroyProgram(nint* program);
    [LibraryImport(Lib)] internal static partial int nvrtcCompileProgram(nint program, int numOptions, byte** options);

    /// <summary>Log size in bytes including the terminating NUL.</summary>
    [LibraryImport(Lib)] internal static partial int nvrtcGetProgramLogSize(nint program, out nuint size);
    [LibraryImport(Lib)] internal static partial int nvrtcGetProgramLog(nint program, byte* log);
    /// <summary>Cubin size in bytes (only when compiled for a real sm_XX architecture).</summary>
    [LibraryImport(Lib)] internal static partial int nvrtcGetCUBINSize(nint program, out nuint size);
    [LibraryImport(Lib)] internal static partial int nvrtcGetCUBIN(nint program, byte* cubin);
    /// <summary>PTX size in bytes including the terminating NUL.</summary>
    [LibraryImport(Lib)] internal static partial int nvrtcGetPTXSize(nint program, out nuint size);
    [LibraryImport(Lib)] internal static partial int nvrtcGetPTX(nint program, byte* ptx);

    /// <summary>Static description string of an nvrtcResult, e.g. "NVRTC_ERROR_COMPILATION".</summary>
    [LibraryImport(Lib)] internal static partial byte* nvrtcGetErrorString(int result);

    [System.Diagnostics.StackTraceHidden]
    internal static void Check(int result, string api, string? detail = null)
    {
        if (result != Success) throw new CudaException(CudaLibrary.Nvrtc, result, api, detail);
    }
}
