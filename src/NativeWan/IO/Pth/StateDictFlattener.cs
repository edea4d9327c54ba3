using System.Globalization;

namespace NativeWan.IO.Pth;

/// <summary>
/// Turns the unpickled root into named tensors: dict keys are joined with '.', so <c>{"model": {"w": t}}</c> gives
/// <c>model.w</c>; list/tuple items are named by index. Non-tensor leaves (numbers, strings, bools, None) become
/// metadata entries under their dotted name. The root must be a dict.
/// </summary>
internal static class StateDictFlattener
{
    const int MaxDepth = 64;

    public static (List<(string Name, PickleTensor Tensor)> Tensors, Dictionary<string, string> Metadata) Flatten(string path, object? root)
    {
        if (root is not PickleDict)
            throw new ModelFileException(path, null, $"the pickle holds {Kind(root)}, not a state dict (a dict of tensors)");
        var tensors = new List<(string, PickleTensor)>();
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        Walk(path, root, "", 0, tensors, meta, names);
        return (tensors, meta);
    }

    static void Walk(string path, object? v, string name, int depth, List<(string, PickleTensor)> tensors,
        Dictionary<string, string> meta, HashSet<string> names)
    {
        if (depth > MaxDepth) throw new ModelFileException(path, name, $"nesting deeper than {MaxDepth} levels (or a cycle)");
        switch (v)
        {
            case PickleTensor t:
                Add(path, name, names);
                tensors.Add((name, t));
                return;
            case PickleDict d:
                foreach (var (k, child) in d.Items) Walk(path, child, Join(name, Text(k)), depth + 1, tensors, meta, names);
                return;
            case List<object?> list:
                for (int i = 0; i < list.Count; i++) Walk(path, list[i], Join(name, i.ToString(CultureInfo.InvariantCulture)), depth + 1, tensors, meta, names);
                return;
            case object?[] tuple:
                for (int i = 0; i < tuple.Length; i++) Walk(path, tuple[i], Join(name, i.ToString(CultureInfo.InvariantCulture)), depth + 1, tensors, meta, names);
                return;
            case null or string or long or double or bool:
                Add(path, name, names);
                meta[name] = Text(v);
                return;
            default:
                throw new ModelFileException(path, name, $"unexpected value {Kind(v)} in the state dict");
        }
    }

    static void Add(string path, string name, HashSet<string> names)
    {
        if (!names.Add(name)) throw new ModelFileException(path, name, "name occurs twice after joining nested keys with '.'");
    }

    static string Join(string prefix, string key) => prefix.Length == 0 ? key : prefix + "." + key;

    static string Text(object? v) => v switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        _ => v.ToString()!,
    };

    static string Kind(object? v) => v switch
    {
        null => "None",
        PickleStorage => "a bare storage",
        PickleGlobal g => $"the global '{g.FullName}'",
        PickleTensor => "a single tensor",
        List<object?> => "a list",
        object?[] => "a tuple",
        _ => v.GetType().Name,
    };
}
