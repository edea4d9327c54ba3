using System.Runtime.InteropServices;

namespace NativeWan.Cuda.Driver;

internal static unsafe partial class CuDriver
{
    /// <summary><c>CUresult cuInit(unsigned int Flags)</c>; Flags must be 0.</summary>
    [LibraryImport(Lib)] internal static partial CuResult cuInit(uint flags);

    /// <summary><c>cuDriverGetVersion(int*)</c>: 1000·major + 10·minor, e.g. 12040 for CUDA 12.4.</summary>
    [LibraryImport(Lib)] internal static partial CuResult cuDriverGetVersion(out int version);

    /// <summary><c>cuGetErrorName(CUresult, const char**)</c>; static string owned by the driver.</summary>
    [LibraryImport(Lib)] internal static partial CuResult cuGetErrorName(CuResult error, byte** str);

    /// <summary><c>cuGetErrorString(CUresult, const char**)</c>; static string owned by the driver.</summary>
    [LibraryImport(Lib)] internal static partial CuResult cuGetErrorString(CuResult error, byte** str);
}
