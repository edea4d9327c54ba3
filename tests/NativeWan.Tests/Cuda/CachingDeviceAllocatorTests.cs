using NativeWan.Cuda;
using NativeWan.Cuda.Memory;

namespace NativeWan.Tests.Cuda;

public class SizeClassesTests
{
    [Theory]
    [InlineData(1UL, 512UL)]
    [InlineData(512UL, 512UL)]
    [InlineData(513UL, 1024UL)]
    [InlineData(1_000_000UL, 1_000_448UL)]          // 1954 · 512 = 1,000,448
    [InlineData(1UL << 20, 1UL << 20)]              // exactly 1 MiB stays a small class
    [InlineData((1UL << 20) + 1, 2UL << 20)]        // just above 1 MiB → 2 MiB granularity
    [InlineData((2UL << 20) + 1, 4UL << 20)]
    [InlineData(10_000_000UL, 10_485_760UL)]        // 5 · 2 MiB
    public void RoundUpFollowsTheTwoGranularities(ulong request, ulong expected)
        => Assert.Equal(expected, SizeClasses.RoundUp(request));

    [Fact]
    public void RoundUpRejectsZeroAndOverflow()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SizeClasses.RoundUp(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SizeClasses.RoundUp(ulong.MaxValue - 5));
    }

    [Fact]
    public void RoundUpIsMonotoneAndTight()
    {
        var rng = new Random(5);
        for (int i = 0; i < 10_000; i++)
        {
            ulong b = (ulong)rng.NextInt64(1, 64L << 20);
            ulong c = SizeClasses.RoundUp(b);
            ulong g = b <= SizeClasses.SmallLimit ? SizeClasses.SmallGranularity : SizeClasses.LargeGranularity;
            Assert.True(c >= b && c - b < g && c % g == 0, $"{b} → {c}");
        }
    }
}

public class CachingDeviceAllocatorTests
{
    [Fact]
    public void FreedBlockIsReusedOnTheSameStreamOnly()
    {
        var be = new FakeDeviceBackend();
        using var a = new CachingDeviceAllocator(be);
        var x = a.Allocate(1000, stream: 1);
        Assert.Equal(1024UL, x.Capacity);
        a.Free(x);
        var onOther = a.Allocate(900, stream: 2);       // same class, other stream → backend
        Assert.NotEqual(x.Pointer, onOther.Pointer);
        var onSame = a.Allocate(1000, stream: 1);       // same class, same stream → cache
        Assert.Equal(x.Pointer, onSame.Pointer);
        var differentClass = a.Allocate(2000, stream: 1);
        Assert.NotEqual(x.Pointer, differentClass.Pointer);
        Assert.Equal(3, be.Allocations);
        var s = a.Statistics;
        Assert.Equal(4, s.AllocationCount);
        Assert.Equal(1, s.CacheHits);
        Assert.Equal(3, s.BackendAllocations);
    }

    [Fact]
    public void StatisticsTrackCurrentPeakReservedAndFragmentation()
    {
        var be = new FakeDeviceBackend();
        using var a = new CachingDeviceAllocator(be);
        var b1 = a.Allocate(100);              // class 512
        var b2 = a.Allocate(3UL << 20);        // class 4 MiB
        var s = a.Statistics;
        Assert.Equal(512UL + (4UL << 20), s.CurrentBytes);
        Assert.Equal(100UL + (3UL << 20), s.RequestedBytes);
        Assert.Equal(s.CurrentBytes, s.ReservedBytes);
        Assert.Equal(2, s.LiveBlocks);
        Assert.Equal(1.0 - (double)s.RequestedBytes / s.ReservedBytes, s.Fragmentation, 12);

        a.Free(b2);
        s = a.Statistics;
        Assert.Equal(512UL, s.CurrentBytes);
        Assert.Equal(512UL + (4UL << 20), s.PeakBytes);
        Assert.Equal(512UL + (4UL << 20), s.ReservedBytes);     // cached, still reserved
        Assert.Equal(4UL << 20, s.CachedBytes);
        Assert.Equal(1, s.CachedBlocks);

        a.Trim();
        s = a.Statistics;
        Assert.Equal(512UL, s.ReservedBytes);
        Assert.Equal(0UL, s.CachedBytes);
        Assert.Equal(512UL + (4UL << 20), s.PeakReservedBytes);
        Assert.Equal(1, be.Frees);
        Assert.True(be.Synchronizations >= 1, "trim must synchronize before returning blocks");
        a.Free(b1);
        a.ResetPeak();
        Assert.Equal(0UL, a.Statistics.PeakBytes);
        Assert.Equal(512UL, a.Statistics.PeakReservedBytes);
    }

    [Fact]
    public void ZeroByteRequestsNeverTouchThePool()
    {
        var be = new FakeDeviceBackend();
        using var a = new CachingDeviceAllocator(be);
        var z = a.Allocate(0, stream: 3);
        Assert.True(z.IsEmpty);
        a.Free(z);
        Assert.Equal(0, be.Allocations);
        Assert.Equal(0, a.Statistics.AllocationCount);
    }

    [Fact]
    public void DoubleFreeAndForeignBuffersThrow()
    {
        using var a = new CachingDeviceAllocator(new FakeDeviceBackend(), "dev0");
        var b = a.Allocate(4096);
        a.Free(b);
        var e = Assert.Throws<InvalidOperationException>(() => a.Free(b));
        Assert.Contains("double free", e.Message);
        Assert.Throws<InvalidOperationException>(() => a.Free(new DeviceBuffer(0x1234, 10, 512, 0)));
    }

    [Fact]
    public void OutOfMemoryReleasesTheCacheAndRetries()
    {
        var be = new FakeDeviceBackend(capacity: 8UL << 20);
        using var a = new CachingDeviceAllocator(be);
        var big = a.Allocate(6UL << 20, stream: 1);     // 6 MiB class
        a.Free(big);                                    // cached on stream 1
        var other = a.Allocate(4UL << 20, stream: 2);   // needs 4 MiB: only 2 free → trim, retry
        Assert.False(other.IsEmpty);
        var s = a.Statistics;
        Assert.Equal(1, s.OutOfMemoryRetries);
        Assert.Equal(4UL << 20, s.ReservedBytes);
        Assert.Equal(1, be.FailedAllocations);
        Assert.Equal(1, be.Frees);
    }

    [Fact]
    public void OutOfMemoryMessageSaysWhatHowMuchAndPoolState()
    {
        var be = new FakeDeviceBackend(capacity: 8UL << 20);
        using var a = new CachingDeviceAllocator(be, "device 0");
        var keep = a.Allocate(5UL << 20, stream: 0, what: "blocks.0.ffn.0.weight");
        var e = Assert.Throws<CudaOutOfMemoryException>(() => a.Allocate(5UL << 20, stream: 0, what: "blocks.1.ffn.0.weight"));
        Assert.Equal(5UL << 20, e.RequestedBytes);
        Assert.Equal("CUDA_ERROR_OUT_OF_MEMORY", e.ErrorName);
        Assert.Contains("blocks.1.ffn.0.weight", e.Message);
        Assert.Contains("5.00 MiB", e.Message);                   // requested
        Assert.Contains("size class 6.00 MiB", e.Message);
        Assert.Contains("device 0 pool: live 1 blocks 6.00 MiB", e.Message);
        Assert.Contains("device free 2.00 MiB of 8.00 MiB", e.Message);
        a.Free(keep);
    }

    [Fact]
    public void DisposeFreesLiveAndCachedBlocks()
    {
        var be = new FakeDeviceBackend();
        var a = new CachingDeviceAllocator(be);
        var x = a.Allocate(10);
        var y = a.Allocate(5UL << 20);
        a.Free(y);
        a.Dispose();
        Assert.Equal(0, be.LiveBlocks);
        Assert.Equal(0UL, be.InUse);
        a.Free(x);                                   // after dispose: no-op, no throw
        Assert.Throws<ObjectDisposedException>(() => a.Allocate(10));
    }

    [Fact]
    public void RandomWorkloadKeepsBookkeepingConsistentWithTheBackend()
    {
        var be = new FakeDeviceBackend();
        using var a = new CachingDeviceAllocator(be);
        var rng = new Random(11);
        var live = new List<DeviceBuffer>();
        ulong requested = 0;
        for (int step = 0; step < 5000; step++)
        {
            if (live.Count > 0 && rng.Next(3) == 0)
            {
                int i = rng.Next(live.Count);
                requested -= live[i].Length;
                a.Free(live[i]); live.RemoveAt(i);
            }
            else
            {
                ulong n = rng.Next(4) == 0 ? (ulong)rng.NextInt64(1, 8L << 20) : (ulong)rng.Next(1, 4096);
                var b = a.Allocate(n, stream: rng.Next(3));
                Assert.DoesNotContain(live, l => l.Pointer == b.Pointer);
                live.Add(b); requested += n;
            }
            if (step % 997 == 0) a.Trim();
        }
        var s = a.Statistics;
        Assert.Equal(requested, s.RequestedBytes);
        Assert.Equal((ulong)live.Sum(l => (decimal)l.Capacity), s.CurrentBytes);
        Assert.Equal(be.InUse, s.ReservedBytes);
        Assert.Equal(s.ReservedBytes, s.CurrentBytes + s.CachedBytes);
        Assert.Equal(s.AllocationCount, s.CacheHits + s.BackendAllocations);
        Assert.True(s.CacheHits > 0);
    }
}

public class PinnedHostPoolTests
{
    [Fact]
    public void BuffersAreWritableAndReused()
    {
        using var be = new FakeHostBackend();
        using var pool = new PinnedHostPool(be);
        var b = pool.Allocate(1000);
        var span = b.AsSpan<float>();
        Assert.Equal(250, span.Length);
        span.Fill(3f);
        pool.Free(b);
        var c = pool.Allocate(800);                 // same 1024-byte class
        Assert.Equal(b.Pointer, c.Pointer);
        Assert.Equal(1, be.Allocations);
        Assert.Equal(1, pool.Statistics.CacheHits);
        pool.Free(c);
    }

    [Fact]
    public void BlockFreedWithPendingFenceIsNotReusedUntilComplete()
    {
        using var be = new FakeHostBackend();
        using var pool = new PinnedHostPool(be);
        var b = pool.Allocate(4096);
        var fence = new ManualFence();
        pool.Free(b, fence);
        Assert.Equal(1, pool.PendingBlocks);
        var c = pool.Allocate(4096);
        Assert.NotEqual(b.Pointer, c.Pointer);      // still in use by the "copy"
        pool.Trim();                                // must not free the pending block
        Assert.Equal(1, pool.PendingBlocks);
        fence.IsComplete = true;
        var d = pool.Allocate(4096);
        Assert.Equal(b.Pointer, d.Pointer);
        Assert.Equal(0, pool.PendingBlocks);
        pool.Free(c); pool.Free(d);
    }

    [Fact]
    public void OutOfPinnedMemoryTrimsThenThrowsWithContext()
    {
        using var be = new FakeHostBackend(capacity: 4UL << 20);
        using var pool = new PinnedHostPool(be);
        var a = pool.Allocate(3UL << 20);           // 4 MiB class
        pool.Free(a);
        var b = pool.Allocate(2UL << 20);           // other class: trim frees the cached 4 MiB, retry succeeds
        Assert.Equal(1, pool.Statistics.OutOfMemoryRetries);
        var e = Assert.Throws<CudaOutOfMemoryException>(() => pool.Allocate(3UL << 20, "block 7 swap buffer"));
        Assert.Contains("block 7 swap buffer", e.Message);
        Assert.Contains("pinned pool: live 1 blocks 2.00 MiB", e.Message);
        pool.Free(b);
        Assert.Throws<InvalidOperationException>(() => pool.Free(b));
    }
}
