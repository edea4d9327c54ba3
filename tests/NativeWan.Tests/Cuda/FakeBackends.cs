using NativeWan.Cuda.Memory;

namespace NativeWan.Tests.Cuda;

/// <summary>Device backend over a fake address space with a capacity; records every call.</summary>
internal sealed class FakeDeviceBackend : IDeviceMemoryBackend
{
    readonly Dictionary<ulong, (ulong Size, nint Stream)> _blocks = new();
    ulong _next = 0x7000_0000_0000;
    public ulong Capacity { get; set; }
    public ulong InUse { get; private set; }
    public int Allocations, Frees, Synchronizations, FailedAllocations;
    public List<string> Calls { get; } = new();

    public FakeDeviceBackend(ulong capacity = ulong.MaxValue) => Capacity = capacity;

    public bool TryAllocate(ulong bytes, nint stream, out ulong pointer)
    {
        Calls.Add($"alloc {bytes} s{stream}");
        if (InUse + bytes > Capacity) { FailedAllocations++; pointer = 0; return false; }
        pointer = _next; _next += bytes + 4096;
        _blocks[pointer] = (bytes, stream);
        InUse += bytes; Allocations++;
        return true;
    }

    public void Free(ulong pointer, ulong bytes, nint stream)
    {
        Calls.Add($"free {bytes} s{stream}");
        if (!_blocks.Remove(pointer, out var b)) throw new InvalidOperationException($"fake backend: unknown pointer 0x{pointer:X}");
        if (b.Size != bytes || b.Stream != stream) throw new InvalidOperationException("fake backend: size/stream mismatch on free");
        InUse -= bytes; Frees++;
    }

    public void Synchronize() { Synchronizations++; Calls.Add("sync"); }

    public bool TryGetMemoryInfo(out ulong free, out ulong total)
    {
        total = Capacity; free = Capacity - InUse;
        return Capacity != ulong.MaxValue;
    }

    public int LiveBlocks => _blocks.Count;
}

/// <summary>Host backend handing out real unmanaged memory (so spans can be written), with a capacity.</summary>
internal sealed unsafe class FakeHostBackend : IHostMemoryBackend, IDisposable
{
    readonly Dictionary<nint, ulong> _blocks = new();
    public ulong Capacity { get; set; }
    public ulong InUse { get; private set; }
    public int Allocations, Frees;

    public FakeHostBackend(ulong capacity = ulong.MaxValue) => Capacity = capacity;

    public bool TryAllocate(ulong bytes, out nint pointer)
    {
        if (InUse + bytes > Capacity) { pointer = 0; return false; }
        pointer = (nint)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)bytes);
        _blocks[pointer] = bytes; InUse += bytes; Allocations++;
        return true;
    }

    public void Free(nint pointer, ulong bytes)
    {
        if (!_blocks.Remove(pointer, out var size) || size != bytes) throw new InvalidOperationException("fake host backend: bad free");
        System.Runtime.InteropServices.NativeMemory.Free((void*)pointer);
        InUse -= bytes; Frees++;
    }

    public int LiveBlocks => _blocks.Count;

    public void Dispose()
    {
        foreach (var p in _blocks.Keys) System.Runtime.InteropServices.NativeMemory.Free((void*)p);
        _blocks.Clear();
    }
}

/// <summary>A fence the test completes by hand.</summary>
internal sealed class ManualFence : IUsageFence
{
    public bool IsComplete { get; set; }
}
