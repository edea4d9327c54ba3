using NativeWan.Numerics;

namespace NativeWan.IO.Pth;

/// <summary>A global that passed the allow-list (<see cref="RestrictedUnpickler"/>); it is only a name, never code.</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public string FullName => Module + "." + Name;
}

/// <summary>A pickled dict / OrderedDict with insertion order kept (Python dict semantics for re-set keys).</summary>
internal sealed class PickleDict(bool ordered)
{
    readonly Dictionary<object, int> _index = new();
    public List<KeyValuePair<object, object?>> Items { get; } = new();
    /// <summary>True when built by <c>collections.OrderedDict</c> (the only type BUILD may target).</summary>
    public bool IsOrderedDict { get; } = ordered;

    public void Set(object key, object? value)
    {
        if (_index.TryGetValue(key, out int i)) Items[i] = new(key, value);
        else { _index[key] = Items.Count; Items.Add(new(key, value)); }
    }
}

/// <summary>A storage named by a persistent id <c>('storage', torch.XStorage, key, location, numel)</c>.</summary>
internal sealed record PickleStorage(string Key, DType DType, long Numel, string Location);

/// <summary>The result of <c>torch._utils._rebuild_tensor_v2</c>: a strided view of a storage (offsets/strides in elements).</summary>
internal sealed record PickleTensor(PickleStorage Storage, long StorageOffset, long[] Shape, long[] Strides);
