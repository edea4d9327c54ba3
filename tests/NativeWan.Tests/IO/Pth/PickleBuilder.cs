using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace NativeWan.Tests.IO.Pth;

/// <summary>Writes pickle opcodes by hand (never runs Python) and packs torch-style zip checkpoints for tests.</summary>
internal sealed class PickleBuilder
{
    readonly List<byte> _b = new();

    public PickleBuilder Op(params byte[] bytes) { _b.AddRange(bytes); return this; }
    public PickleBuilder Op(char c) => Op((byte)c);
    public PickleBuilder Proto(int p = 2) => Op(0x80, (byte)p);
    public PickleBuilder Mark() => Op('(');
    public PickleBuilder Stop() => Op('.');
    public PickleBuilder EmptyDict() => Op('}');
    public PickleBuilder EmptyTuple() => Op(')');
    public PickleBuilder Tuple() => Op('t');
    public PickleBuilder Reduce() => Op('R');
    public PickleBuilder SetItem() => Op('s');
    public PickleBuilder SetItems() => Op('u');
    public PickleBuilder False() => Op(0x89);
    public PickleBuilder Global(string module, string name) => Op('c').Op(Encoding.UTF8.GetBytes(module + "\n" + name + "\n"));
    public PickleBuilder Str(string s)
    {
        var u = Encoding.UTF8.GetBytes(s);
        Op('X');
        var len = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(len, u.Length);
        return Op(len).Op(u);
    }
    /// <summary>Integers as BININT1, or LONG1 with 8 bytes (exercises the LONG1 path) for anything else.</summary>
    public PickleBuilder Int(long v)
    {
        if (v is >= 0 and < 256) return Op((byte)'K', (byte)v);
        var b = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(b, v);
        return Op(0x8a, 8).Op(b);
    }
    public PickleBuilder Float(double v)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(b, v);
        return Op('G').Op(b);
    }
    public PickleBuilder IntTuple(params long[] v)
    {
        Mark();
        foreach (var x in v) Int(x);
        return Tuple();
    }

    /// <summary>A <c>_rebuild_tensor_v2</c> call on a persistent storage, as torch.save writes it.</summary>
    public PickleBuilder Tensor(string storageClass, string key, long numel, long offset, long[] shape, long[] stride, string location = "cpu")
    {
        Global("torch._utils", "_rebuild_tensor_v2").Mark();
        Mark().Str("storage").Global("torch", storageClass).Str(key).Str(location).Int(numel).Tuple().Op('Q');
        Int(offset).IntTuple(shape).IntTuple(stride).False();
        Global("collections", "OrderedDict").EmptyTuple().Reduce();
        return Tuple().Reduce();
    }

    public byte[] ToArray() => _b.ToArray();

    /// <summary>A zip like torch.save's: <c>name/data.pkl</c>, <c>name/data/&lt;key&gt;</c>, extra records.</summary>
    public static byte[] Zip(byte[] pickle, IEnumerable<(string Key, byte[] Data)> storages, string name = "archive",
        bool deflatePickle = false, IEnumerable<(string Record, byte[] Data)>? extra = null)
    {
        var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Add(string n, byte[] d, CompressionLevel level)
            {
                using var s = zip.CreateEntry(n, level).Open();
                s.Write(d);
            }
            Add(name + "/data.pkl", pickle, deflatePickle ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
            foreach (var (k, d) in storages) Add(name + "/data/" + k, d, CompressionLevel.NoCompression);
            foreach (var (r, d) in extra ?? []) Add(name + "/" + r, d, CompressionLevel.NoCompression);
            Add(name + "/version", "3\n"u8.ToArray(), CompressionLevel.NoCompression);
        }
        return ms.ToArray();
    }

    public static byte[] Floats(params float[] v)
    {
        var b = new byte[v.Length * 4];
        for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(i * 4), v[i]);
        return b;
    }
}
