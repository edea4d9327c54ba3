using System.Runtime.InteropServices;

namespace NativeWan.Cuda.Driver;

internal static unsafe partial class CuDriver
{
    [LibraryImport(Lib)] internal static partial CuResult cuDeviceGetCount(out int count);

    /// <summary><c>cuDeviceGet(CUdevice*, int ordinal)</c>.</summary>
    [LibraryImport(Lib)] internal static partial CuResult cuDeviceGet(out int device, int ordinal);

    /// <summary><c>cuDeviceGetName(char* name, int len, CUdevice)</c>: NUL-terminated ASCII.</summary>
    [LibraryImport(Lib)] internal static partial CuResult cuDeviceGetName(byte* name, int len, int device);

    [LibraryImport(Lib)] internal static partial CuResult cuDeviceGetAttribute(out int value, CuDeviceAttribute attribute, int device);

    /// <summary><c>cuDeviceTotalMem_v2(size_t* bytes, CUdevice)</c>.</summary>
    [LibraryImport(Lib)] internal static partial CuResult cuDeviceTotalMem_v2(out nuint bytes, int device);
}
