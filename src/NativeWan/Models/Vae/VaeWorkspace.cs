namespace NativeWan.Models.Vae;

/// <summary>
/// Allocator for every working buffer of one encode/decode call (activations, feature caches, im2col scratch).
/// It counts live bytes so tests can check that working memory is bounded by one temporal chunk: buffers are
/// returned with <see cref="Free(float[])"/> as soon as they are dead. The caller's input and the result tensor are
/// not counted. Freed buffers are kept for reuse by exact length (the same layer shapes recur every chunk, and fresh
/// large arrays cost a page fault per 4 KiB on first touch); the pool never holds more than <see cref="PeakBytes"/>,
/// evicting the least recently freed buffers, so the process holds at most twice the live peak. Allocation happens on
/// the orchestrating thread only (scratch for parallel workers is allocated before the parallel loop), so the counts
/// are deterministic for a given input size and core count.
/// </summary>
internal sealed class VaeWorkspace
{
    readonly Dictionary<int, Stack<float[]>> _pool = new();
    readonly LinkedList<float[]> _lru = new();
    long _live, _pooled;

    /// <summary>Bytes currently allocated and not freed.</summary>
    public long LiveBytes { get { lock (this) return _live; } }

    /// <summary>Largest <see cref="LiveBytes"/> seen.</summary>
    public long PeakBytes { get; private set; }

    /// <summary>Largest single buffer allocated, in bytes.</summary>
    public long LargestBufferBytes { get; private set; }

    /// <summary>Largest live + pooled bytes seen (memory actually held).</summary>
    public long PeakHeldBytes { get; private set; }

    /// <summary>A buffer of <paramref name="count"/> floats with unspecified content.</summary>
    public float[] Alloc(long count)
    {
        if (count < 0 || count > Array.MaxLength)
            throw new InvalidOperationException($"VAE working buffer of {count} floats exceeds the largest .NET array; use a smaller video size");
        long bytes = count * sizeof(float);
        float[]? a = null;
        lock (this)
        {
            if (_pool.TryGetValue((int)count, out var stack) && stack.Count > 0)
            {
                a = stack.Pop();
                _lru.Remove(a);
                _pooled -= bytes;
            }
            _live += bytes;
            if (_live > PeakBytes) PeakBytes = _live;
            if (bytes > LargestBufferBytes) LargestBufferBytes = bytes;
            if (_live + _pooled > PeakHeldBytes) PeakHeldBytes = _live + _pooled;
        }
        return a ?? GC.AllocateUninitializedArray<float>((int)count);
    }

    /// <summary>A zero-filled buffer of <paramref name="count"/> floats.</summary>
    public float[] AllocZeroed(long count)
    {
        var a = Alloc(count);
        Array.Clear(a);
        return a;
    }

    /// <summary>Marks <paramref name="buffer"/> as dead (it must not be used afterwards) and keeps it for reuse.</summary>
    public void Free(float[]? buffer)
    {
        if (buffer is null) return;
        long bytes = (long)buffer.Length * sizeof(float);
        lock (this)
        {
            _live -= bytes;
            if (bytes > PeakBytes) return;
            while (_pooled + bytes > PeakBytes && _lru.First is { } oldest)
            {
                _lru.RemoveFirst();
                _pooled -= (long)oldest.Value.Length * sizeof(float);
                var s = _pool[oldest.Value.Length];
                // The oldest entry of a size is at the bottom of its stack: rebuild without it.
                var keep = s.Where(x => !ReferenceEquals(x, oldest.Value)).Reverse().ToArray();
                s.Clear();
                foreach (var x in keep) s.Push(x);
            }
            if (!_pool.TryGetValue(buffer.Length, out var stack)) _pool[buffer.Length] = stack = new Stack<float[]>();
            stack.Push(buffer);
            _lru.AddLast(buffer);
            _pooled += bytes;
        }
    }

    /// <summary>A channel-last activation <c>[T, H, W, C]</c> with unspecified content.</summary>
    public VaeActivation NewActivation(int t, int h, int w, int c) => new(Alloc((long)t * h * w * c), t, h, w, c);

    /// <summary>Frees an activation's buffer.</summary>
    public void Free(VaeActivation? a) => Free(a?.Data);
}
