using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using NativeWan.IO;
using NativeWan.IO.SafeTensors;
using NativeWan.Numerics;

namespace NativeWan.Tests.IO;

public sealed class SafeTensorsTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("nw-st-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    string Write(byte[] bytes, string name = "t.safetensors")
    {
        var p = Path.Combine(_dir, name);
        File.WriteAllBytes(p, bytes);
        return p;
    }

    /// <summary>A file with the given JSON header and data region.</summary>
    static byte[] Build(string json, int dataBytes, ulong? lengthOverride = null)
    {
        var h = Encoding.UTF8.GetBytes(json);
        var b = new byte[8 + h.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(b, lengthOverride ?? (ulong)h.Length);
        h.CopyTo(b, 8);
        for (int i = 0; i < dataBytes; i++) b[8 + h.Length + i] = (byte)(i * 7 + 1);
        return b;
    }

    [Fact]
    public void GoldenDitIndexMatchesItsHeaderAndDataRegion()
    {
        var path = Golden.Path("dit_t2v.safetensors");
        using var f = SafeTensorsFile.Open(path);
        Assert.NotEmpty(f.Tensors);
        Assert.True(f.Metadata.ContainsKey("config"));
        // Every tensor lies inside the file, tensors tile the data region without gaps.
        long dataStart = 8 + f.HeaderLength, end = dataStart;
        foreach (var t in f.Tensors.OrderBy(t => t.Offset))
        {
            Assert.Equal(end, t.Offset);
            end += t.ByteLength;
        }
        Assert.Equal(new FileInfo(path).Length, end);
        var pe = f.Get("patch_embedding.weight");
        Assert.Equal(5, pe.Shape.Length);
        var w = f.ReadFloat32("patch_embedding.weight");
        Assert.Equal(pe.ElementCount, w.Length);
        Assert.Equal(MemoryMarshal.Cast<byte, float>(f.GetSpan(pe)).ToArray(), w);
        Assert.All(w, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void WriterRoundTripsEveryDTypeWithMetadataAndAlignment()
    {
        var rng = new Random(1);
        var w = new SafeTensorsWriter();
        w.Metadata["ss_network_dim"] = "4";
        w.Metadata["note"] = "ünïcödé \"quoted\"";
        var expect = new Dictionary<string, (DType, long[], byte[])>();
        foreach (var dt in Enum.GetValues<DType>())
        {
            long[] shape = dt == DType.F32 ? [] : [3, (int)dt + 1];
            long n = shape.Aggregate(1L, (a, b) => a * b);
            var data = new byte[n * dt.Size()];
            rng.NextBytes(data);
            if (dt == DType.BOOL) for (int i = 0; i < data.Length; i++) data[i] &= 1;
            w.Add("t." + dt, dt, shape, data);
            expect["t." + dt] = (dt, shape, data);
        }
        var path = Path.Combine(_dir, "rt.safetensors");
        w.Save(path);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp-*"));
        using var f = SafeTensorsFile.Open(path);
        Assert.Equal(0, f.HeaderLength % 8);
        Assert.Equal("4", f.Metadata["ss_network_dim"]);
        Assert.Equal("ünïcödé \"quoted\"", f.Metadata["note"]);
        Assert.Equal(expect.Count, f.Tensors.Count);
        foreach (var t in f.Tensors)
        {
            var (dt, shape, data) = expect[t.Name];
            Assert.Equal(dt, t.DType);
            Assert.Equal(shape, t.Shape);
            Assert.Equal(data, f.ReadBytes(t));
            Assert.Equal(0, (t.Offset - 8 - f.HeaderLength) % t.DType.Size()); // natural alignment
        }
    }

    [Fact]
    public void PrefixIsStrippedWherePresent()
    {
        var w = new SafeTensorsWriter();
        w.AddF32("model.diffusion_model.blocks.0.ffn.0.weight", [1, 2], 2);
        w.AddF32("other", [3], 1);
        var path = Path.Combine(_dir, "p.safetensors");
        w.Save(path);
        using var f = SafeTensorsFile.Open(path, "model.diffusion_model.");
        Assert.Equal(new[] { 1f, 2f }, f.ReadFloat32("blocks.0.ffn.0.weight"));
        Assert.Equal(new[] { 3f }, f.ReadFloat32("other"));
        Assert.False(f.Contains("model.diffusion_model.blocks.0.ffn.0.weight"));
    }

    [Fact]
    public void ShardedIndexJoinsShards()
    {
        var a = new SafeTensorsWriter(); a.AddF32("x", [1, 2, 3], 3); a.Save(Path.Combine(_dir, "m-00001.safetensors"));
        var b = new SafeTensorsWriter(); b.AddF32("y", [4], 1); b.Save(Path.Combine(_dir, "m-00002.safetensors"));
        var idx = Path.Combine(_dir, "m.safetensors.index.json");
        File.WriteAllText(idx, """{"metadata":{"total_size":16},"weight_map":{"x":"m-00001.safetensors","y":"m-00002.safetensors"}}""");
        using var s = TensorFiles.Open(idx);
        Assert.Equal(2, s.Tensors.Count);
        Assert.Equal(new[] { 1f, 2f, 3f }, s.ReadFloat32("x"));
        Assert.Equal(new[] { 4f }, s.ReadFloat32("y"));
        File.WriteAllText(idx, """{"weight_map":{"x":"m-00001.safetensors","z":"m-00002.safetensors"}}""");
        var e = Assert.Throws<ModelFileException>(() => TensorFiles.Open(idx));
        Assert.Contains("'z'", e.Message);
    }

    public static TheoryData<string, string, int, string> BadHeaders => new()
    {
        { "not json", "{\"a\":", 0, "not valid JSON" },
        { "not object", "[1,2]", 0, "not an object" },
        { "unknown dtype", """{"a":{"dtype":"F17","shape":[1],"data_offsets":[0,4]}}""", 4, "dtype" },
        { "negative dim", """{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 4, "dimension" },
        { "fractional dim", """{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}""", 4, "dimension" },
        { "wrong byte count", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", 8, "needs 8" },
        { "past end", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 4, "past the end" },
        { "reversed offsets", """{"a":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}""", 4, "data_offsets" },
        { "overlap", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "overlaps" },
        { "duplicate", """{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""", 2, "duplicate" },
        { "metadata not strings", """{"__metadata__":{"k":1}}""", 0, "__metadata__" },
        { "element overflow", """{"a":{"dtype":"F64","shape":[4294967296,4294967296,4],"data_offsets":[0,8]}}""", 8, "overflows" },
        { "missing offsets", """{"a":{"dtype":"F32","shape":[1]}}""", 4, "data_offsets" },
        { "extra field", """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}""", 4, "unexpected field" },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public void MalformedHeadersThrowTheFormatExceptionNamingTheFile(string _, string json, int data, string expected)
    {
        var p = Write(Build(json, data));
        var e = Assert.Throws<ModelFileException>(() => SafeTensorsFile.Open(p).Dispose());
        Assert.Contains(p, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void TensorErrorsNameTheTensor()
    {
        var p = Write(Build("""{"blocks.0.q.weight":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8));
        var e = Assert.Throws<ModelFileException>(() => SafeTensorsFile.Open(p));
        Assert.Equal("blocks.0.q.weight", e.Tensor);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(ulong.MaxValue)]
    [InlineData(1UL << 40)]
    [InlineData(200_000_000UL)]
    public void HugeOrWrongHeaderLengthsAreRefusedWithoutAllocating(ulong len)
    {
        var p = Write(Build("{}", 16, lengthOverride: len));
        Assert.Throws<ModelFileException>(() => SafeTensorsFile.Open(p));
    }

    [Fact]
    public void TooShortFileIsRefused()
    {
        Assert.Throws<ModelFileException>(() => SafeTensorsFile.Open(Write([1, 2, 3])));
    }

    [Fact]
    public void RandomBytesAlwaysGiveTheFormatException()
    {
        var rng = new Random(12345);
        for (int i = 0; i < 300; i++)
        {
            var bytes = new byte[rng.Next(0, 200)];
            rng.NextBytes(bytes);
            if (bytes.Length >= 8 && i % 2 == 0) // plausible header length so the JSON parser is reached
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)rng.Next(0, bytes.Length - 8 + 1));
            var p = Write(bytes, $"r{i}.safetensors");
            try { SafeTensorsFile.Open(p).Dispose(); }
            catch (ModelFileException) { }
        }
    }

    [Fact]
    public void MutatedGoldenHeadersNeverEscapeAsOtherExceptions()
    {
        var good = File.ReadAllBytes(Golden.Path("t5.safetensors"));
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(good);
        var rng = new Random(7);
        int refused = 0;
        for (int i = 0; i < 200; i++)
        {
            var b = (byte[])good.Clone();
            for (int k = 0; k < 3; k++) b[8 + rng.Next((int)n)] = (byte)"0123456789[]{},:\"x-"[rng.Next(19)];
            var p = Write(b, "m.safetensors");
            try { using var f = SafeTensorsFile.Open(p); foreach (var t in f.Tensors) f.ReadBytes(t); }
            catch (ModelFileException) { refused++; }
        }
        Assert.True(refused > 0);
    }

    [Fact]
    public void WriterRejectsWrongByteCountsAndDuplicates()
    {
        var w = new SafeTensorsWriter();
        Assert.Throws<ArgumentException>(() => w.Add("a", DType.F32, [2], new byte[4]));
        w.Add("a", DType.F32, [1], new byte[4]);
        Assert.Throws<ArgumentException>(() => w.Add("a", DType.F32, [1], new byte[4]));
    }

    [Fact]
    public void FailedSaveLeavesTheOldFileAndNoTemp()
    {
        var path = Path.Combine(_dir, "keep.safetensors");
        File.WriteAllText(path, "old");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s => { s.WriteByte(1); throw new InvalidOperationException("boom"); }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp-*"));
    }
}
