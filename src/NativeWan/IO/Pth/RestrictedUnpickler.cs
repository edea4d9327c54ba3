using System.Buffers.Binary;
using System.Text;
using NativeWan.Numerics;

namespace NativeWan.IO.Pth;

/// <summary>
/// A pickle interpreter (protocols 2–5 opcode subset) that can only build what a PyTorch state dict needs: dicts,
/// lists, tuples, strings, numbers, <c>collections.OrderedDict</c>, storages from persistent ids and tensors from
/// <c>torch._utils._rebuild_tensor_v2</c> / <c>_rebuild_parameter</c>. Every global is checked against
/// <see cref="AllowedGlobals"/> when it is named (GLOBAL, STACK_GLOBAL, INST), before anything could be called; no
/// Python object or callable is ever constructed, so nothing in the file is executed. Allocations are bounded by the
/// pickle length (every opcode pushes at most one value; strings are bounded by the remaining bytes).
/// </summary>
internal sealed class RestrictedUnpickler
{
    const string OrderedDict = "collections.OrderedDict", RebuildTensorV2 = "torch._utils._rebuild_tensor_v2",
        RebuildParameter = "torch._utils._rebuild_parameter";
    const int MaxDims = 64;

    static readonly Dictionary<string, DType> StorageTypes = new(StringComparer.Ordinal)
    {
        ["torch.FloatStorage"] = DType.F32, ["torch.DoubleStorage"] = DType.F64, ["torch.HalfStorage"] = DType.F16,
        ["torch.BFloat16Storage"] = DType.BF16, ["torch.LongStorage"] = DType.I64, ["torch.IntStorage"] = DType.I32,
        ["torch.ShortStorage"] = DType.I16, ["torch.CharStorage"] = DType.I8, ["torch.ByteStorage"] = DType.U8,
        ["torch.BoolStorage"] = DType.BOOL,
    };

    /// <summary>Every global a state-dict pickle may name (module.name).</summary>
    public static IReadOnlyCollection<string> AllowedGlobals { get; } =
        [OrderedDict, RebuildTensorV2, RebuildParameter, .. StorageTypes.Keys];

    sealed class MarkObject { public static readonly MarkObject Instance = new(); }

    readonly string _path, _record;
    readonly byte[] _data;
    int _pos;
    readonly List<object?> _stack = new();
    readonly Stack<int> _marks = new();
    readonly Dictionary<uint, object?> _memo = new();
    readonly Dictionary<string, PickleStorage> _storages = new(StringComparer.Ordinal);

    RestrictedUnpickler(string path, string record, byte[] data) { _path = path; _record = record; _data = data; }

    /// <summary>Interprets <paramref name="pickle"/> and returns the object passed to STOP.</summary>
    /// <param name="path">File for error messages.</param>
    /// <param name="record">Zip record name for error messages (e.g. <c>archive/data.pkl</c>).</param>
    /// <param name="pickle">The pickle bytes.</param>
    /// <exception cref="ModelFileException">Refused global or opcode, malformed or truncated pickle.</exception>
    public static object? Load(string path, string record, byte[] pickle) => new RestrictedUnpickler(path, record, pickle).Run();

    object? Run()
    {
        while (true)
        {
            int at = _pos;
            byte op = Byte();
            switch (op)
            {
                case 0x80: { byte proto = Byte(); if (proto > 5) throw Fail(at, $"pickle protocol {proto} is not supported"); break; } // PROTO
                case 0x95: Skip(8); break;                                        // FRAME (length is advisory)
                case (byte)'.':                                                   // STOP
                {
                    var result = Pop(at);
                    if (_stack.Count != 0 || _marks.Count != 0) throw Fail(at, "values left on the stack at STOP");
                    return result;
                }
                case (byte)'(': _marks.Push(_stack.Count); break;               // MARK
                case (byte)'0': Pop(at); break;                                  // POP
                case (byte)'1': PopMark(at); break;                              // POP_MARK
                case (byte)'2': Push(Peek(at)); break;                           // DUP
                case (byte)'N': Push(null); break;                               // NONE
                case 0x88: Push(true); break;                                    // NEWTRUE
                case 0x89: Push(false); break;                                   // NEWFALSE
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;   // BININT
                case (byte)'K': Push((long)Byte()); break;                                             // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;  // BININT2
                case 0x8a: Push(Long1(at)); break;                                                     // LONG1
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;            // BINFLOAT
                case (byte)'X': Push(Utf8(at, Take(checked((int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), int.MaxValue))))); break; // BINUNICODE
                case 0x8c: Push(Utf8(at, Take(Byte()))); break;                                        // SHORT_BINUNICODE
                case 0x8d: Push(Utf8(at, Take(Length8(at)))); break;                                   // BINUNICODE8
                case (byte)')': Push(Array.Empty<object?>()); break;             // EMPTY_TUPLE
                case (byte)'t': Push(PopMark(at).ToArray()); break;              // TUPLE
                case 0x85: { var a = Pop(at); Push(new[] { a }); break; }        // TUPLE1
                case 0x86: { var b = Pop(at); var a = Pop(at); Push(new[] { a, b }); break; }               // TUPLE2
                case 0x87: { var c = Pop(at); var b = Pop(at); var a = Pop(at); Push(new[] { a, b, c }); break; } // TUPLE3
                case (byte)']': Push(new List<object?>()); break;                // EMPTY_LIST
                case (byte)'a': { var v = Pop(at); AsList(at, Peek(at)).Add(v); break; }                   // APPEND
                case (byte)'e': { var items = PopMark(at); AsList(at, Peek(at)).AddRange(items); break; }  // APPENDS
                case (byte)'}': Push(new PickleDict(false)); break;              // EMPTY_DICT
                case (byte)'s': { var v = Pop(at); var k = Pop(at); AsDict(at, Peek(at)).Set(Key(at, k), v); break; } // SETITEM
                case (byte)'u':                                                  // SETITEMS
                {
                    var items = PopMark(at);
                    if (items.Count % 2 != 0) throw Fail(at, "SETITEMS with an odd number of values");
                    var d = AsDict(at, Peek(at));
                    for (int i = 0; i < items.Count; i += 2) d.Set(Key(at, items[i]), items[i + 1]);
                    break;
                }
                case (byte)'q': _memo[Byte()] = Peek(at); break;                                          // BINPUT
                case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Peek(at); break; // LONG_BINPUT
                case 0x94: _memo[(uint)_memo.Count] = Peek(at); break;                                     // MEMOIZE
                case (byte)'h': Push(Memo(at, Byte())); break;                                             // BINGET
                case (byte)'j': Push(Memo(at, BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break;   // LONG_BINGET
                case (byte)'c': { var m = Line(at); var n = Line(at); Push(Global(at, m, n)); break; }     // GLOBAL
                case 0x93:                                                                                  // STACK_GLOBAL
                {
                    var n = Pop(at); var m = Pop(at);
                    if (m is not string ms || n is not string ns) throw Fail(at, "STACK_GLOBAL on non-string module/name");
                    Push(Global(at, ms, ns));
                    break;
                }
                case (byte)'i':                                                  // INST: names a class and calls it
                {
                    var m = Line(at); var n = Line(at);
                    throw Fail(at, $"refused global '{m}.{n}' (INST): only state-dict tensors can be loaded");
                }
                case (byte)'Q': Push(PersistentLoad(at, Pop(at))); break;        // BINPERSID
                case (byte)'R': { var args = Pop(at); var f = Pop(at); Push(Call(at, f, args, "REDUCE")); break; } // REDUCE
                case 0x81: { var args = Pop(at); var cls = Pop(at); Push(Call(at, cls, args, "NEWOBJ", newObj: true)); break; } // NEWOBJ
                case 0x92:                                                                                  // NEWOBJ_EX
                {
                    var kwargs = Pop(at); var args = Pop(at); var cls = Pop(at);
                    if (kwargs is not PickleDict { Items.Count: 0 }) throw Fail(at, "NEWOBJ_EX with keyword arguments is not allowed");
                    Push(Call(at, cls, args, "NEWOBJ_EX", newObj: true));
                    break;
                }
                case (byte)'b':                                                  // BUILD
                {
                    Pop(at); // the state: OrderedDict's _metadata from module.state_dict(), not needed
                    if (Peek(at) is not PickleDict { IsOrderedDict: true })
                        throw Fail(at, $"refused BUILD on {Describe(Peek(at))}: only an OrderedDict may receive state");
                    break;
                }
                case (byte)'o': throw Fail(at, "refused opcode OBJ (builds an arbitrary object)");
                case (byte)'P': throw Fail(at, "refused opcode PERSID (text persistent id); torch writes BINPERSID");
                case 0x82 or 0x83 or 0x84: throw Fail(at, "refused opcode EXT1/EXT2/EXT4 (extension registry globals)");
                default:
                    throw Fail(at, $"pickle opcode 0x{op:x2}{(op is >= 0x20 and < 0x7f ? $" ('{(char)op}')" : "")} is not allowed in a state dict");
            }
        }
    }

    object Global(int at, string module, string name)
    {
        var full = module + "." + name;
        if (full is OrderedDict or RebuildTensorV2 or RebuildParameter || StorageTypes.ContainsKey(full))
            return new PickleGlobal(module, name);
        throw Fail(at, $"refused global '{full}': only state-dict tensors can be loaded (allowed: collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter, torch.*Storage)");
    }

    object Call(int at, object? callable, object? args, string opcode, bool newObj = false)
    {
        if (callable is not PickleGlobal g) throw Fail(at, $"refused {opcode} on {Describe(callable)}: not an allowed callable");
        if (args is not object?[] a) throw Fail(at, $"{opcode} of '{g.FullName}' with {Describe(args)} instead of an argument tuple");
        switch (g.FullName)
        {
            case OrderedDict:
            {
                var d = new PickleDict(true);
                if (a.Length == 0) return d;
                if (a.Length == 1 && !newObj && a[0] is IEnumerable<object?> pairs and (List<object?> or object?[]))
                {
                    foreach (var p in pairs)
                    {
                        if (p is not object?[] { Length: 2 } kv) throw Fail(at, "OrderedDict(...) argument is not a sequence of pairs");
                        d.Set(Key(at, kv[0]), kv[1]);
                    }
                    return d;
                }
                throw Fail(at, "OrderedDict called with unsupported arguments");
            }
            case RebuildTensorV2 when !newObj: return RebuildTensor(at, a);
            case RebuildParameter when !newObj:
                if (a.Length is < 2 or > 3 || a[0] is not PickleTensor t) throw Fail(at, "_rebuild_parameter expects (tensor, requires_grad, hooks)");
                return t;
            default:
                throw Fail(at, $"refused {opcode} on global '{g.FullName}': it may be named but not called");
        }
    }

    PickleTensor RebuildTensor(int at, object?[] a)
    {
        // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        if (a.Length is < 6 or > 7) throw Fail(at, $"_rebuild_tensor_v2 with {a.Length} arguments (expected 6 or 7)");
        if (a[0] is not PickleStorage s) throw Fail(at, $"_rebuild_tensor_v2 on {Describe(a[0])} instead of a storage");
        if (a[1] is not long offset || offset < 0) throw Fail(at, $"tensor storage offset {Describe(a[1])} is not a non-negative integer");
        var shape = Ints(at, a[2], "size");
        var strides = Ints(at, a[3], "stride");
        if (shape.Length != strides.Length) throw Fail(at, $"tensor size has {shape.Length} dims but stride has {strides.Length}");
        if (a[4] is not bool) throw Fail(at, "requires_grad is not a bool");
        if (a[5] is not PickleDict) throw Fail(at, "backward_hooks is not a dict");
        if (a.Length == 7 && a[6] is not (null or PickleDict)) throw Fail(at, "tensor metadata is not a dict");

        long numel = 1, last = offset;
        try
        {
            for (int i = 0; i < shape.Length; i++)
            {
                numel = checked(numel * shape[i]);
                if (shape[i] > 0) last = checked(last + (shape[i] - 1) * strides[i]);
            }
        }
        catch (OverflowException) { throw Fail(at, $"tensor size [{string.Join(", ", shape)}] / stride overflows"); }
        if (numel > 0 && last >= s.Numel)
            throw Fail(at, $"tensor view (offset {offset}, size [{string.Join(", ", shape)}], stride [{string.Join(", ", strides)}]) reaches element {last} of storage '{s.Key}' which has {s.Numel}");
        return new PickleTensor(s, offset, shape, strides);
    }

    long[] Ints(int at, object? v, string what)
    {
        if (v is not object?[] t) throw Fail(at, $"tensor {what} is {Describe(v)}, not a tuple");
        if (t.Length > MaxDims) throw Fail(at, $"tensor {what} has {t.Length} dims (max {MaxDims})");
        var r = new long[t.Length];
        for (int i = 0; i < t.Length; i++)
            r[i] = t[i] is long x && x >= 0 ? x : throw Fail(at, $"tensor {what} element {i} is {Describe(t[i])}, not a non-negative integer");
        return r;
    }

    PickleStorage PersistentLoad(int at, object? pid)
    {
        if (pid is not object?[] { Length: 5 } t || t[0] is not "storage")
            throw Fail(at, $"refused persistent id {Describe(pid)}: only ('storage', type, key, location, numel) tuples are allowed");
        if (t[1] is not PickleGlobal g || !StorageTypes.TryGetValue(g.FullName, out var dtype))
            throw Fail(at, $"persistent id storage type {Describe(t[1])} is not a torch storage class");
        if (t[2] is not string key || key.Length == 0) throw Fail(at, "persistent id storage key is not a string");
        if (t[3] is not string location) throw Fail(at, "persistent id location is not a string");
        if (t[4] is not long numel || numel < 0) throw Fail(at, $"persistent id element count {Describe(t[4])} is not a non-negative integer");
        if (_storages.TryGetValue(key, out var known))
        {
            if (known.DType != dtype || known.Numel != numel)
                throw Fail(at, $"storage '{key}' is referenced as {known.DType}×{known.Numel} and as {dtype}×{numel}");
            return known;
        }
        var s = new PickleStorage(key, dtype, numel, location);
        _storages[key] = s;
        return s;
    }

    object Key(int at, object? k) => k switch
    {
        string or long or bool or double => k,
        _ => throw Fail(at, $"dict key {Describe(k)} is not a string or number"),
    };

    List<object?> AsList(int at, object? o) => o as List<object?> ?? throw Fail(at, $"APPEND on {Describe(o)} instead of a list");
    PickleDict AsDict(int at, object? o) => o as PickleDict ?? throw Fail(at, $"SETITEM on {Describe(o)} instead of a dict");

    object? Memo(int at, uint i) => _memo.TryGetValue(i, out var v) ? v : throw Fail(at, $"memo index {i} was never stored");

    void Push(object? v) => _stack.Add(v);

    object? Pop(int at)
    {
        int floor = _marks.Count > 0 ? _marks.Peek() : 0;
        if (_stack.Count <= floor) throw Fail(at, "pickle stack underflow");
        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    object? Peek(int at)
    {
        int floor = _marks.Count > 0 ? _marks.Peek() : 0;
        if (_stack.Count <= floor) throw Fail(at, "pickle stack underflow");
        return _stack[^1];
    }

    List<object?> PopMark(int at)
    {
        if (_marks.Count == 0) throw Fail(at, "no MARK on the pickle stack");
        int m = _marks.Pop();
        var items = _stack.GetRange(m, _stack.Count - m);
        _stack.RemoveRange(m, _stack.Count - m);
        return items;
    }

    byte Byte()
    {
        if (_pos >= _data.Length) throw Fail(_pos, "pickle ends without STOP (truncated)");
        return _data[_pos++];
    }

    ReadOnlySpan<byte> Take(int n)
    {
        if (n < 0 || n > _data.Length - _pos) throw Fail(_pos, $"pickle ends inside a {n}-byte argument (truncated)");
        var s = _data.AsSpan(_pos, n);
        _pos += n;
        return s;
    }

    void Skip(int n) => Take(n);

    int Length8(int at)
    {
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
        return n <= (ulong)(_data.Length - _pos) ? (int)n : throw Fail(at, $"string of {n} bytes runs past the pickle");
    }

    long Long1(int at)
    {
        int n = Byte();
        if (n > 8) throw Fail(at, $"integer of {n} bytes is too large");
        var b = Take(n);
        if (n == 0) return 0;
        long v = (sbyte)b[n - 1]; // sign-extend the most significant byte
        for (int i = n - 2; i >= 0; i--) v = (v << 8) | b[i];
        return v;
    }

    string Line(int at)
    {
        int nl = Array.IndexOf(_data, (byte)'\n', _pos);
        if (nl < 0) throw Fail(at, "pickle ends inside a GLOBAL name (truncated)");
        var s = Utf8(at, _data.AsSpan(_pos, nl - _pos));
        _pos = nl + 1;
        return s;
    }

    string Utf8(int at, ReadOnlySpan<byte> b)
    {
        try { return new UTF8Encoding(false, true).GetString(b); }
        catch (DecoderFallbackException) { throw Fail(at, "string is not valid UTF-8"); }
    }

    static string Describe(object? o) => o switch
    {
        null => "None",
        string s => $"'{(s.Length > 40 ? s[..40] + "…" : s)}'",
        long or bool or double => o.ToString()!,
        object?[] t => $"a {t.Length}-tuple",
        List<object?> => "a list",
        PickleDict => "a dict",
        PickleGlobal g => $"global '{g.FullName}'",
        PickleStorage => "a storage",
        PickleTensor => "a tensor",
        _ => o.GetType().Name,
    };

    ModelFileException Fail(int at, string message) =>
        new(_path, null, $"{_record} byte {at}: {message}");
}
