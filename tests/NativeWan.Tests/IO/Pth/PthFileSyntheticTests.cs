using NativeWan.IO;
using NativeWan.IO.Pth;
using NativeWan.Numerics;

namespace NativeWan.Tests.IO.Pth;

/// <summary>PthFile on small torch-style zips written by the test (nesting, validation, byte order, damage).</summary>
public sealed class PthFileSyntheticTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("nativewan-pth-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Write(byte[] bytes, string name = "x.pth")
    {
        var p = Path.Combine(_dir, name);
        File.WriteAllBytes(p, bytes);
        return p;
    }

    /// <summary>{"state_dict": {"w": f32[2,2] transposed view}, "epoch": 7, "lr": 0.5}</summary>
    static byte[] NestedPickle(long numel = 6, long offset = 1) => new PickleBuilder().Proto()
        .EmptyDict().Mark()
        .Str("state_dict").EmptyDict().Str("w").Tensor("FloatStorage", "0", numel, offset, [2, 2], [1, 2], "cuda:0").SetItem()
        .Str("epoch").Int(7).Str("lr").Float(0.5)
        .SetItems().Stop().ToArray();

    static readonly byte[] Storage6 = PickleBuilder.Floats(10, 11, 12, 13, 14, 15);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void NestedDict_FlattenedWithDotsAndViewMaterialized(bool deflatePickle)
    {
        var path = Write(PickleBuilder.Zip(NestedPickle(), [("0", Storage6)], "ckpt", deflatePickle));
        using var pth = PthFile.Open(path);
        Assert.Equal("ckpt", pth.ArchiveName);
        var t = Assert.Single(pth.Tensors);
        Assert.Equal("state_dict.w", t.Name);
        Assert.Equal(DType.F32, t.DType);
        // storage offset 1, stride (1,2): [[s1, s3], [s2, s4]]
        Assert.Equal(new[] { 11f, 13f, 12f, 14f }, pth.ReadFloat32("state_dict.w"));
        Assert.Equal("cuda:0", pth.GetLayout(t).Location);
        Assert.Equal("7", pth.Metadata["epoch"]);
        Assert.Equal("0.5", pth.Metadata["lr"]);
        using var stripped = TensorFiles.Open(path, "state_dict.");
        Assert.True(stripped.Contains("w"));
    }

    [Fact]
    public void StorageRecordOfWrongSize_Refused()
    {
        var path = Write(PickleBuilder.Zip(NestedPickle(numel: 6), [("0", Storage6[..20])]));
        var ex = Assert.Throws<ModelFileException>(() => PthFile.Open(path));
        Assert.Contains("'archive/data/0' has 20 bytes but 6 F32 elements need 24", ex.Message);
        Assert.Equal("state_dict.w", ex.Tensor);
    }

    [Fact]
    public void MissingStorageRecord_Refused()
    {
        var path = Write(PickleBuilder.Zip(NestedPickle(), []));
        Assert.Contains("storage record 'archive/data/0' is missing", Assert.Throws<ModelFileException>(() => PthFile.Open(path)).Message);
    }

    [Fact]
    public void ViewPastStorageEnd_Refused()
    {
        var path = Write(PickleBuilder.Zip(NestedPickle(offset: 3), [("0", Storage6)]));
        Assert.Contains("reaches element 6", Assert.Throws<ModelFileException>(() => PthFile.Open(path)).Message);
    }

    [Fact]
    public void ByteOrder_LittleAcceptedBigRefused()
    {
        var little = Write(PickleBuilder.Zip(NestedPickle(), [("0", Storage6)], extra: [("byteorder", "little"u8.ToArray())]), "l.pth");
        using (var ok = PthFile.Open(little)) Assert.Single(ok.Tensors);
        var big = Write(PickleBuilder.Zip(NestedPickle(), [("0", Storage6)], extra: [("byteorder", "big"u8.ToArray())]), "b.pth");
        Assert.Contains("byteorder record says 'big'", Assert.Throws<ModelFileException>(() => PthFile.Open(big)).Message);
    }

    [Fact]
    public void DamagedPickle_FailsCrc()
    {
        var pickle = NestedPickle();
        var zip = PickleBuilder.Zip(pickle, [("0", Storage6)]);
        int at = zip.AsSpan().IndexOf(pickle);
        Assert.True(at > 0);
        zip[at + pickle.Length - 3] ^= 0x01; // last byte of the 0.5 BINFLOAT: still parses, only the CRC can tell
        Assert.Contains("CRC-32", Assert.Throws<ModelFileException>(() => PthFile.Open(Write(zip))).Message);
    }

    [Fact]
    public void NotAZip_Refused()
    {
        var path = Write("definitely not a checkpoint"u8.ToArray());
        Assert.Contains("not a PyTorch zip checkpoint", Assert.Throws<ModelFileException>(() => PthFile.Open(path)).Message);
    }

    [Fact]
    public void RootThatIsNotADict_Refused()
    {
        var pickle = new PickleBuilder().Proto().Tensor("FloatStorage", "0", 6, 0, [6], [1]).Stop().ToArray();
        var path = Write(PickleBuilder.Zip(pickle, [("0", Storage6)]));
        Assert.Contains("not a state dict", Assert.Throws<ModelFileException>(() => PthFile.Open(path)).Message);
    }
}
