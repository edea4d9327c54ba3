using System.Text.Json;

namespace NativeWan.IO.SafeTensors;

/// <summary>
/// A sharded checkpoint opened from its <c>*.safetensors.index.json</c> (<c>{"metadata": {...}, "weight_map":
/// {tensor: shard file}}</c>): one <see cref="ITensorSource"/> over all shards, each opened lazily on first use.
/// </summary>
public sealed class ShardedSafeTensors : ITensorSource
{
    readonly Dictionary<string, SafeTensorsFile> _shards = new(StringComparer.Ordinal);
    readonly Dictionary<string, TensorInfo> _byName = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public string SourcePath { get; }
    /// <inheritdoc/>
    public IReadOnlyList<TensorInfo> Tensors { get; }
    /// <inheritdoc/>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    ShardedSafeTensors(string indexPath, string? stripPrefix)
    {
        SourcePath = indexPath;
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllBytes(indexPath)); }
        catch (JsonException e) { throw new ModelFileException(indexPath, null, $"index is not valid JSON ({e.Message})"); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new ModelFileException(indexPath, null, "index has no 'weight_map' object");
            var meta = new Dictionary<string, string>();
            if (doc.RootElement.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object)
                foreach (var p in m.EnumerateObject()) meta[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
            Metadata = meta;
            var dir = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
            var list = new List<TensorInfo>();
            try
            {
                foreach (var shardName in map.EnumerateObject().Select(p => p.Value.GetString() ?? "").Distinct())
                {
                    if (shardName.Length == 0 || Path.IsPathRooted(shardName) || shardName.Contains(".."))
                        throw new ModelFileException(indexPath, null, $"invalid shard file name '{shardName}'");
                    var shard = SafeTensorsFile.Open(Path.Combine(dir, shardName), stripPrefix);
                    _shards[shardName] = shard;
                }
                foreach (var p in map.EnumerateObject())
                {
                    var name = stripPrefix is { Length: > 0 } && p.Name.StartsWith(stripPrefix, StringComparison.Ordinal) ? p.Name[stripPrefix.Length..] : p.Name;
                    if (!_shards[p.Value.GetString()!].TryGet(name, out var t))
                        throw new ModelFileException(indexPath, p.Name, $"listed in weight_map but not in shard '{p.Value.GetString()}'");
                    if (!_byName.TryAdd(name, t)) throw new ModelFileException(indexPath, p.Name, "listed twice");
                    list.Add(t);
                }
            }
            catch
            {
                Dispose();
                throw;
            }
            Tensors = list;
        }
    }

    /// <summary>Opens a sharded checkpoint from its index JSON and every shard it names.</summary>
    /// <exception cref="ModelFileException">Bad index, missing shard or a tensor missing from its shard.</exception>
    public static ShardedSafeTensors Open(string indexPath, string? stripPrefix = null) => new(indexPath, stripPrefix);

    /// <inheritdoc/>
    public bool TryGet(string name, out TensorInfo info) => _byName.TryGetValue(name, out info!);

    /// <inheritdoc/>
    public void ReadBytes(TensorInfo tensor, Span<byte> destination) => ShardOf(tensor).ReadBytes(tensor, destination);

    /// <inheritdoc/>
    public void ReadBytes(TensorInfo tensor, long start, Span<byte> destination) => ShardOf(tensor).ReadBytes(tensor, start, destination);

    SafeTensorsFile ShardOf(TensorInfo tensor)
    {
        foreach (var s in _shards.Values)
            if (s.TryGet(tensor.Name, out var t) && ReferenceEquals(t, tensor)) return s;
        throw new ArgumentException($"tensor '{tensor.Name}' does not belong to {SourcePath}");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var s in _shards.Values) s.Dispose();
        _shards.Clear();
    }
}
