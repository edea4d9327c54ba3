using System.Text;
using System.Text.Json;
using NativeWan.Numerics;

namespace NativeWan.IO.SafeTensors;

/// <summary>
/// Parses and validates an (untrusted) safetensors header. Layout: 8-byte little-endian header length N,
/// N bytes of UTF-8 JSON, then the data region; <c>data_offsets</c> are relative to the data region.
/// See https://github.com/huggingface/safetensors (format section).
/// </summary>
internal static class SafeTensorsHeader
{
    /// <summary>Upper bound on the JSON header (the reference implementation uses 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>
    /// Validates the header against a file of <paramref name="fileLength"/> bytes and returns tensors in file order
    /// with absolute offsets. Throws <see cref="ModelFileException"/> naming the file and tensor on any violation:
    /// header length outside the file, invalid JSON, unknown dtype, negative dimensions, byte count ≠ dtype size ×
    /// element count, offsets past the end of the file, or overlapping tensors.
    /// </summary>
    public static (List<TensorInfo> Tensors, Dictionary<string, string> Metadata) Parse(
        string file, ReadOnlySpan<byte> json, long headerLength, long fileLength, string? stripPrefix)
    {
        long dataStart = 8 + headerLength;
        long dataLength = fileLength - dataStart;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new ModelFileException(file, null, $"header is not valid JSON ({e.Message})");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new ModelFileException(file, null, "header JSON is not an object");
            var tensors = new List<TensorInfo>();
            var meta = new Dictionary<string, string>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (!names.Add(prop.Name))
                    throw new ModelFileException(file, prop.Name, "duplicate key in header");
                if (prop.Name == "__metadata__")
                {
                    if (prop.Value.ValueKind != JsonValueKind.Object)
                        throw new ModelFileException(file, null, "__metadata__ is not an object");
                    foreach (var m in prop.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                            throw new ModelFileException(file, null, $"__metadata__ value '{m.Name}' is not a string");
                        meta[m.Name] = m.Value.GetString()!;
                    }
                    continue;
                }
                tensors.Add(ParseEntry(file, prop, dataStart, dataLength));
            }
            CheckOverlaps(file, tensors);
            if (stripPrefix is { Length: > 0 }) tensors = Strip(file, tensors, stripPrefix);
            return (tensors, meta);
        }
    }

    static TensorInfo ParseEntry(string file, JsonProperty prop, long dataStart, long dataLength)
    {
        string name = prop.Name;
        var v = prop.Value;
        if (v.ValueKind != JsonValueKind.Object) throw new ModelFileException(file, name, "header entry is not an object");
        if (!v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String || !DTypeInfo.TryParse(dt.GetString()!, out var dtype))
            throw new ModelFileException(file, name, $"missing or unknown dtype {(v.TryGetProperty("dtype", out var d2) ? d2.GetRawText() : "")}");
        if (!v.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array || sh.GetArrayLength() > 16)
            throw new ModelFileException(file, name, "missing or invalid shape");
        var shape = new long[sh.GetArrayLength()];
        long count = 1;
        int i = 0;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var n) || n < 0)
                throw new ModelFileException(file, name, $"invalid dimension {d.GetRawText()} in shape");
            shape[i++] = n;
            try { count = checked(count * n); }
            catch (OverflowException) { throw new ModelFileException(file, name, "element count overflows"); }
        }
        if (!v.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw new ModelFileException(file, name, "missing or invalid data_offsets");
        var o = off.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var x) && x >= 0 ? x : -1).ToArray();
        if (o[0] < 0 || o[1] < 0 || o[1] < o[0])
            throw new ModelFileException(file, name, $"invalid data_offsets {off.GetRawText()}");
        if (o[1] > dataLength)
            throw new ModelFileException(file, name, $"data_offsets {off.GetRawText()} run past the end of the file (data region is {dataLength} bytes)");
        long expected;
        try { expected = checked(count * dtype.Size()); }
        catch (OverflowException) { throw new ModelFileException(file, name, "byte length overflows"); }
        if (o[1] - o[0] != expected)
            throw new ModelFileException(file, name, $"holds {o[1] - o[0]} bytes but {dtype} {FormatShape(shape)} needs {expected}");
        foreach (var p in v.EnumerateObject())
            if (p.Name is not ("dtype" or "shape" or "data_offsets"))
                throw new ModelFileException(file, name, $"unexpected field '{p.Name}' in header entry");
        return new TensorInfo(name, dtype, shape, file, dataStart + o[0], expected);
    }

    static void CheckOverlaps(string file, List<TensorInfo> tensors)
    {
        var sorted = tensors.Where(t => t.ByteLength > 0).OrderBy(t => t.Offset).ToList();
        for (int i = 1; i < sorted.Count; i++)
            if (sorted[i].Offset < sorted[i - 1].Offset + sorted[i - 1].ByteLength)
                throw new ModelFileException(file, sorted[i].Name, $"data overlaps tensor '{sorted[i - 1].Name}'");
    }

    static List<TensorInfo> Strip(string file, List<TensorInfo> tensors, string prefix)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<TensorInfo>(tensors.Count);
        foreach (var t in tensors)
        {
            var n = t.Name.StartsWith(prefix, StringComparison.Ordinal) ? t.Name[prefix.Length..] : t.Name;
            if (!seen.Add(n)) throw new ModelFileException(file, t.Name, $"name '{n}' occurs twice after removing prefix '{prefix}'");
            result.Add(n == t.Name ? t : t with { Name = n });
        }
        return result;
    }

    internal static string FormatShape(long[] s) => "[" + string.Join(", ", s) + "]";
}
