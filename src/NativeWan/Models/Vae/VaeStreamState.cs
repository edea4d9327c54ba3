namespace NativeWan.Models.Vae;

/// <summary>
/// Per-call streaming state of an encoder or decoder run: one slot per stateful layer (the official
/// <c>feat_cache</c> list, indexed the same way by construction order). Slots hold <see cref="CausalConvCache"/>s
/// and the resample layers' first-chunk flags.
/// </summary>
internal sealed class VaeStreamState(int slots)
{
    readonly CausalConvCache?[] _caches = new CausalConvCache?[slots];
    readonly bool[] _visited = new bool[slots];

    /// <summary>The causal-conv cache in slot <paramref name="index"/>, created on first use.</summary>
    public CausalConvCache Cache(int index, int capacity) => _caches[index] ??= new CausalConvCache(capacity);

    /// <summary>True the first time it is called for <paramref name="index"/>, false afterwards.</summary>
    public bool FirstVisit(int index)
    {
        if (_visited[index]) return false;
        _visited[index] = true;
        return true;
    }

    /// <summary>Frees every cache buffer.</summary>
    public void Release(VaeWorkspace ws)
    {
        for (int i = 0; i < _caches.Length; i++) { _caches[i]?.Release(ws); _caches[i] = null; _visited[i] = false; }
    }
}

/// <summary>Hands out state slot numbers while a network is built (the order of the official <c>feat_idx</c>).</summary>
internal sealed class VaeSlotCounter
{
    public int Count { get; private set; }
    public int Next() => Count++;
}

/// <summary>A layer of the encoder/decoder trunk processing one temporal chunk.</summary>
internal interface IVaeLayer
{
    /// <summary>Consumes <paramref name="x"/> (frees it, or returns it updated in place) and returns the output chunk.</summary>
    VaeActivation Forward(VaeWorkspace ws, VaeActivation x, VaeStreamState state);
}
