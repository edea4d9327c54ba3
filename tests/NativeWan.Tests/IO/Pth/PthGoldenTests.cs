using System.Text.Json;
using NativeWan.IO;
using NativeWan.IO.Pth;
using NativeWan.IO.SafeTensors;

namespace NativeWan.Tests.IO.Pth;

/// <summary>The golden .pth files of shared/golden/pth (see its README) against their safetensors twins.</summary>
public class PthGoldenTests
{
    static string P(string f) => Golden.Path("pth", f);

    /// <summary>Same tensor set, dtypes, shapes and bytes in both sources (materialized, row-major).</summary>
    static void AssertSameTensors(ITensorSource expected, ITensorSource actual, bool exactSet = true)
    {
        if (exactSet)
            Assert.Equal(expected.Tensors.Select(t => t.Name).Order(), actual.Tensors.Select(t => t.Name).Order());
        foreach (var a in actual.Tensors)
        {
            Assert.True(expected.TryGet(a.Name, out var e), $"unexpected tensor {a.Name}");
            Assert.Equal(e.DType, a.DType);
            Assert.Equal(e.Shape, a.Shape);
            Assert.Equal(e.ByteLength, a.ByteLength);
            Assert.True(expected.ReadBytes(e).AsSpan().SequenceEqual(actual.ReadBytes(a)), $"bytes of {a.Name} differ");
        }
    }

    [Fact]
    public void EdgeCases_MatchSafetensorsExactly()
    {
        using var st = SafeTensorsFile.Open(P("edge_cases.safetensors"));
        using var pth = PthFile.Open(P("edge_cases.pth"));
        Assert.NotEmpty(pth.Tensors);
        AssertSameTensors(st, pth);
    }

    [Fact]
    public void EdgeCases_LayoutMatchesPickledLayoutInMetadata()
    {
        using var st = SafeTensorsFile.Open(P("edge_cases.safetensors"));
        using var pth = PthFile.Open(P("edge_cases.pth"));
        using var layout = JsonDocument.Parse(st.Metadata["layout"]);
        int nonContiguous = 0;
        var keysByNumel = new Dictionary<string, string>();
        foreach (var entry in layout.RootElement.EnumerateObject())
        {
            var l = pth.GetLayout(pth.Get(entry.Name));
            var j = entry.Value;
            Assert.Equal(j.GetProperty("storage_offset").GetInt64(), l.StorageOffset);
            Assert.Equal(j.GetProperty("storage_numel").GetInt64(), l.StorageNumel);
            Assert.Equal(j.GetProperty("stride").EnumerateArray().Select(x => x.GetInt64()), l.Strides);
            Assert.Equal(j.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()), pth.Get(entry.Name).Shape);
            Assert.Equal(j.GetProperty("contiguous").GetBoolean(), l.IsContiguous);
            Assert.Equal("cpu", l.Location);
            if (!l.IsContiguous) { nonContiguous++; Assert.Equal(-1, pth.Get(entry.Name).Offset); }
        }
        Assert.True(nonContiguous > 0, "edge_cases.pth should contain non-contiguous views");
        // shared_a/b/c are views of one storage (README): same key
        var shared = pth.Tensors.Where(t => t.Name.StartsWith("shared_")).Select(t => pth.GetLayout(t).StorageKey).Distinct().ToList();
        Assert.Single(shared);
    }

    [Fact]
    public void EdgeCases_ContiguousOffsetsPointAtTheBytesInTheFile()
    {
        using var pth = PthFile.Open(P("edge_cases.pth"));
        var file = File.ReadAllBytes(P("edge_cases.pth"));
        int checkedCount = 0;
        foreach (var t in pth.Tensors.Where(t => pth.GetLayout(t).IsContiguous && t.ByteLength > 0))
        {
            Assert.True(file.AsSpan((int)t.Offset, (int)t.ByteLength).SequenceEqual(pth.ReadBytes(t)), t.Name);
            checkedCount++;
        }
        Assert.True(checkedCount > 0);
    }

    [Fact]
    public void EdgeCases_PiecewiseReadsEqualTheWholeTensor()
    {
        using var pth = PthFile.Open(P("edge_cases.pth"));
        foreach (var t in pth.Tensors.Where(t => t.ByteLength >= 4))
        {
            var whole = pth.ReadBytes(t);
            int start = (int)t.ByteLength / 3, len = (int)t.ByteLength / 2;
            var piece = new byte[len];
            pth.ReadBytes(t, start, piece);
            Assert.True(whole.AsSpan(start, len).SequenceEqual(piece), t.Name);
        }
        var any = pth.Tensors.First(t => t.ByteLength > 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => pth.ReadBytes(any, 1, new byte[any.ByteLength]));
        Assert.Throws<ArgumentException>(() => pth.ReadBytes(any, new byte[any.ByteLength + 1]));
    }

    [Theory]
    [InlineData("t5_bf16.pth")]
    [InlineData("t5_bf16_zip64.pth")]
    public void T5Bf16_MatchesSafetensors(string file)
    {
        using var st = SafeTensorsFile.Open(P("t5_bf16.safetensors"));
        using var pth = PthFile.Open(P(file));
        Assert.NotEmpty(pth.Tensors);
        AssertSameTensors(st, pth);
        Assert.All(pth.Tensors, t => Assert.True(pth.GetLayout(t).IsContiguous));
    }

    [Fact]
    public void VaeF32_LoadsBitIdenticalToVaeSafetensors()
    {
        using var st = SafeTensorsFile.Open(Golden.Path("vae.safetensors"));
        using var pth = (PthFile)TensorFiles.Open(P("vae_f32.pth"));
        Assert.NotEmpty(pth.Tensors);
        Assert.All(pth.Tensors, t => Assert.Equal(NativeWan.Numerics.DType.F32, t.DType));
        AssertSameTensors(st, pth, exactSet: false);
        Assert.Empty(pth.Metadata); // _metadata of module.state_dict() is BUILD state, not entries
    }

    [Fact]
    public void ManyEntries_AllItemsAcrossSetitemsBatchesInOrder()
    {
        using var pth = PthFile.Open(P("many_entries.pth"));
        Assert.True(pth.Tensors.Count > 1000, "needs more than one SETITEMS batch");
        for (int i = 0; i < pth.Tensors.Count; i++)
        {
            var t = pth.Tensors[i];
            Assert.Equal($"t{i:D4}", t.Name);
            Assert.Equal([1L], t.Shape);
            Assert.Equal((float)i, pth.ReadFloat32(t.Name)[0]);
        }
    }

    [Fact]
    public void EdgeParameter_RebuildParameterGivesTheTensor()
    {
        using var pth = PthFile.Open(P("edge_parameter.pth"));
        var t = Assert.Single(pth.Tensors);
        Assert.Equal("param", t.Name);
        Assert.Equal(new[] { 0.5f, -1.5f, 2.0f }, pth.ReadFloat32("param"));
    }

    [Theory]
    [InlineData("malicious.pth", "refused global 'os.system'")]
    [InlineData("malicious_stack_global.pth", "refused global 'posix.system'")]
    [InlineData("malicious_inst.pth", "refused global 'os.system'")]
    public void Malicious_RefusedNamingTheGlobal(string file, string expected)
    {
        var ex = Assert.Throws<ModelFileException>(() => PthFile.Open(P(file)));
        Assert.Contains(expected, ex.Message);
        Assert.Contains(file, ex.Message);
    }

    [Fact]
    public void Truncated_ClearError()
    {
        var ex = Assert.Throws<ModelFileException>(() => TensorFiles.Open(P("truncated.pth")));
        Assert.Contains("truncated", ex.Message);
    }

    [Fact]
    public void LegacyFormat_RefusedWithClearError()
    {
        var ex = Assert.Throws<ModelFileException>(() => PthFile.Open(P("legacy_format.pth")));
        Assert.Contains("legacy", ex.Message);
    }
}
