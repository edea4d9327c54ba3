namespace NativeWan.Text;

/// <summary>
/// Immutable byte trie mapping UTF-8 piece strings to vocabulary ids, laid out breadth-first so that the
/// children of a node are consecutive node ids with ascending labels (compressed sparse rows). Used for the
/// Viterbi lattice (all pieces that start at a position) and for the user-defined-symbol prefix matcher.
/// </summary>
internal sealed class PieceTrie
{
    /// <summary>The root node id.</summary>
    public const int Root = 0;

    readonly int[] _firstChild;   // per node: id of the first child
    readonly ushort[] _childCount; // per node: number of children (0..256)
    readonly byte[] _label;       // per node: the byte on the edge from its parent
    readonly int[] _value;        // per node: vocabulary id, or -1 when no key ends here

    PieceTrie(int[] firstChild, ushort[] childCount, byte[] label, int[] value)
    {
        _firstChild = firstChild;
        _childCount = childCount;
        _label = label;
        _value = value;
    }

    /// <summary>Number of trie nodes (root included).</summary>
    public int NodeCount => _value.Length;

    /// <summary>
    /// Builds the trie. Keys must be non-empty and distinct; <paramref name="values"/> are non-negative.
    /// </summary>
    /// <exception cref="ArgumentException">A key is empty or occurs twice (the message names it).</exception>
    public static PieceTrie Build(IReadOnlyList<byte[]> keys, IReadOnlyList<int> values)
    {
        int count = keys.Count;
        var sortedKeys = new byte[count][];
        var sortedValues = new int[count];
        long totalBytes = 0;
        for (int i = 0; i < count; i++)
        {
            if (keys[i].Length == 0) throw new ArgumentException("empty key in trie");
            sortedKeys[i] = keys[i];
            sortedValues[i] = values[i];
            totalBytes += keys[i].Length;
        }
        Array.Sort(sortedKeys, sortedValues, LexicographicComparer.Instance);
        for (int i = 1; i < count; i++)
            if (sortedKeys[i - 1].AsSpan().SequenceEqual(sortedKeys[i]))
                throw new ArgumentException($"duplicate key '{System.Text.Encoding.UTF8.GetString(sortedKeys[i])}'");

        // Breadth-first construction over ranges of the sorted keys: a node at depth d owns the keys
        // [lo, hi) that share their first d bytes; the key of length d (if any) sorts first. Nodes are
        // numbered in BFS order, so the children of a node are consecutive.
        int maxNodes = (int)Math.Min(totalBytes + 1, int.MaxValue);
        var firstChild = new int[maxNodes];
        var childCount = new ushort[maxNodes];
        var label = new byte[maxNodes];
        var value = new int[maxNodes];
        var lo = new int[maxNodes];
        var hi = new int[maxNodes];
        var depth = new int[maxNodes];
        value[Root] = -1;
        hi[Root] = count;
        int nodes = 1;
        for (int node = 0; node < nodes; node++)
        {
            int a = lo[node], b = hi[node], d = depth[node];
            if (a < b && sortedKeys[a].Length == d)
            {
                value[node] = sortedValues[a];
                a++;
            }
            firstChild[node] = nodes;
            int i = a;
            while (i < b)
            {
                byte c = sortedKeys[i][d];
                int j = i + 1;
                while (j < b && sortedKeys[j][d] == c) j++;
                int child = nodes++;
                label[child] = c;
                value[child] = -1;
                lo[child] = i;
                hi[child] = j;
                depth[child] = d + 1;
                i = j;
            }
            childCount[node] = (ushort)(nodes - firstChild[node]);
        }
        Array.Resize(ref firstChild, nodes);
        Array.Resize(ref childCount, nodes);
        Array.Resize(ref label, nodes);
        Array.Resize(ref value, nodes);
        return new PieceTrie(firstChild, childCount, label, value);
    }

    sealed class LexicographicComparer : IComparer<byte[]>
    {
        public static readonly LexicographicComparer Instance = new();
        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }

    /// <summary>The child of <paramref name="node"/> along byte <paramref name="b"/>, or -1.</summary>
    public int Child(int node, byte b)
    {
        int lo = _firstChild[node], hi = lo + _childCount[node] - 1;
        var labels = _label;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            byte l = labels[mid];
            if (l == b) return mid;
            if (l < b) lo = mid + 1; else hi = mid - 1;
        }
        return -1;
    }

    /// <summary>The vocabulary id stored at <paramref name="node"/>, or -1 when no key ends there.</summary>
    public int Value(int node) => _value[node];

    /// <summary>Exact lookup of a whole key; -1 when absent.</summary>
    public int Find(ReadOnlySpan<byte> key)
    {
        int node = Root;
        foreach (byte b in key)
        {
            node = Child(node, b);
            if (node < 0) return -1;
        }
        return _value[node];
    }

    /// <summary>Byte length of the longest key that is a prefix of <paramref name="text"/>; 0 when none.</summary>
    public int LongestPrefix(ReadOnlySpan<byte> text)
    {
        int node = Root, best = 0;
        for (int i = 0; i < text.Length; i++)
        {
            node = Child(node, text[i]);
            if (node < 0) break;
            if (_value[node] >= 0) best = i + 1;
        }
        return best;
    }
}
