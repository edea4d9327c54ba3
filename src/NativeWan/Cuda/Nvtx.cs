using System.Text;

namespace NativeWan.Cuda;

/// <summary>
/// NVTX ranges for Nsight Systems. Uses <c>nvtxRangePushA</c>/<c>nvtxRangePop</c> from libnvToolsExt.so.1 when that
/// library is installed; otherwise every call is a no-op (NVTX3 is header-only and has no library to bind, so
/// without libnvToolsExt there is nothing to call).
/// </summary>
public static unsafe class Nvtx
{
    static readonly delegate* unmanaged<byte*, int> PushA;
    static readonly delegate* unmanaged<int> PopFn;

    static Nvtx()
    {
        PushA = (delegate* unmanaged<byte*, int>)NativeLibraries.TryGetExport(NativeLibraries.Nvtx, "nvtxRangePushA");
        PopFn = (delegate* unmanaged<int>)NativeLibraries.TryGetExport(NativeLibraries.Nvtx, "nvtxRangePop");
        if (PushA == null || PopFn == null) { PushA = null; PopFn = null; }
    }

    /// <summary>True when ranges reach a profiler library.</summary>
    public static bool IsEnabled => PushA != null;

    /// <summary>Opens a nested range named <paramref name="name"/> (UTF-8, truncated to 255 bytes).</summary>
    public static void Push(string name)
    {
        if (PushA == null) return;
        byte* buf = stackalloc byte[256];
        // 85 UTF-16 units encode to at most 255 UTF-8 bytes
        var text = Encoding.UTF8.GetByteCount(name) <= 255 ? name.AsSpan() : name.AsSpan(0, Math.Min(name.Length, 85));
        int n = Encoding.UTF8.GetBytes(text, new Span<byte>(buf, 255));
        buf[n] = 0;
        PushA(buf);
    }

    /// <summary>Closes the innermost range.</summary>
    public static void Pop()
    {
        if (PopFn != null) PopFn();
    }

    /// <summary>A range closed on dispose: <c>using var _ = Nvtx.Range("block 3 fwd");</c>.</summary>
    public static Scope Range(string name) { Push(name); return default; }

    /// <summary>Pops the range on dispose.</summary>
    public readonly struct Scope : IDisposable
    {
        /// <summary>Closes the range.</summary>
        public void Dispose() => Pop();
    }
}
