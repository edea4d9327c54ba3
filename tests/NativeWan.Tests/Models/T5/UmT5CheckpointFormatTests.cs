using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using NativeWan.IO;
using NativeWan.Models.T5;
using NativeWan.Numerics;
using Xunit.Abstractions;

namespace NativeWan.Tests.Models.T5;

/// <summary>Loading the golden umT5 weights under HF/ComfyUI names, as bf16 and as ComfyUI scaled fp8 (spec §6.3, §8.1).</summary>
public class UmT5CheckpointFormatTests(ITestOutputHelper log)
{
    /// <summary>Official → HF/ComfyUI name, written independently of the library's map (spec §6.3).</summary>
    internal static string? ToHf(string name)
    {
        if (name.StartsWith("in.") || name.StartsWith("out.") || name.StartsWith("dbg.")) return null;
        if (name == "token_embedding.weight") return "shared.weight";
        if (name == "norm.weight") return "encoder.final_layer_norm.weight";
        var m = Regex.Match(name, @"^blocks\.(\d+)\.(.+)$");
        Assert.True(m.Success, $"unexpected golden weight {name}");
        string rest = m.Groups[2].Value switch
        {
            "attn.q.weight" => "layer.0.SelfAttention.q.weight",
            "attn.k.weight" => "layer.0.SelfAttention.k.weight",
            "attn.v.weight" => "layer.0.SelfAttention.v.weight",
            "attn.o.weight" => "layer.0.SelfAttention.o.weight",
            "pos_embedding.embedding.weight" => "layer.0.SelfAttention.relative_attention_bias.weight",
            "norm1.weight" => "layer.0.layer_norm.weight",
            "norm2.weight" => "layer.1.layer_norm.weight",
            "ffn.gate.0.weight" => "layer.1.DenseReluDense.wi_0.weight",
            "ffn.fc1.weight" => "layer.1.DenseReluDense.wi_1.weight",
            "ffn.fc2.weight" => "layer.1.DenseReluDense.wo.weight",
            var other => throw new Xunit.Sdk.XunitException($"unmapped golden weight {other}"),
        };
        return $"encoder.block.{m.Groups[1].Value}.{rest}";
    }

    static bool IsWeight(string name) => !(name.StartsWith("in.") || name.StartsWith("out.") || name.StartsWith("dbg."));

    [Fact]
    public void HfNamesGiveIdenticalOutput()
    {
        using var g = T5TestData.Open();
        var (ids, mask) = T5TestData.Inputs(g);
        var official = UmT5Encoder.Load(g).EncodeAll(ids, mask);
        using var hf = InMemoryTensorSource.CopyOf(g, ToHf);
        Assert.DoesNotContain(hf.Tensors, t => t.Name.StartsWith("blocks."));
        var enc = UmT5Encoder.Load(hf);
        Assert.Equal(UmT5Config.FromWeights(g), enc.Config);
        Assert.Equal(official, enc.EncodeAll(ids, mask));
    }

    [Fact]
    public void PrefixedHfNamesWithTokenizerTensorLoad()
    {
        // ComfyUI bundles: a model prefix, plus the embedded SentencePiece model as a U8 tensor, which must be ignored.
        using var g = T5TestData.Open();
        var (ids, mask) = T5TestData.Inputs(g);
        var official = UmT5Encoder.Load(g).EncodeAll(ids, mask);
        using var src = InMemoryTensorSource.CopyOf(g, n => ToHf(n) is { } h ? "text_encoders.umt5xxl.transformer." + h : null);
        src.Add("spiece_model", DType.U8, [5], [1, 2, 3, 4, 5]);
        Assert.Equal(official, UmT5Encoder.Load(src).EncodeAll(ids, mask));
    }

    [Fact]
    public void Bf16TwinLoadsAndMatchesRoundedF32Weights()
    {
        using var g = T5TestData.Open();
        using var bf = TensorFiles.Open(Golden.Path("pth", "t5_bf16.safetensors"));
        var (ids, mask) = T5TestData.Inputs(g);

        // The twin holds the golden weights rounded to bf16 (round to nearest even), same names.
        using var rounded = new InMemoryTensorSource("golden rounded to bf16");
        int count = 0;
        foreach (var t in g.Tensors.Where(t => IsWeight(t.Name)))
        {
            var bt = bf.Get(t.Name);
            Assert.Equal(DType.BF16, bt.DType);
            Assert.Equal(t.Shape, bt.Shape);
            var f = g.ReadFloat32(t.Name);
            var r = f.Select(RoundToBf16).ToArray();
            Assert.Equal(r, bf.ReadFloat32(t.Name));
            rounded.AddF32(t.Name, t.Shape, r);
            count++;
        }
        Assert.Equal(count, bf.Tensors.Count);

        var fromBf16 = UmT5Encoder.Load(bf).EncodeAll(ids, mask);
        Assert.Equal(UmT5Encoder.Load(rounded).EncodeAll(ids, mask), fromBf16);

        // bf16 weights (8-bit mantissa, 2^-9 relative rounding) move the output by about 1% of max|ref| here.
        var refHidden = g.ReadFloat32("out.hidden");
        float err = T5TestData.AssertClose(fromBf16, refHidden, 5e-2f, "bf16 weights vs f32 golden");
        log.WriteLine($"bf16 weights: max abs err vs f32 golden {err:E3} (max|ref| {T5TestData.MaxAbs(refHidden):E3})");
    }

    [Theory]
    [InlineData("t5_bf16.pth")]
    [InlineData("t5_bf16_zip64.pth")]
    public void OfficialPthLoadsAndGivesTheSameOutputAsItsSafetensorsTwin(string pth)
    {
        using var g = T5TestData.Open();
        var (ids, mask) = T5TestData.Inputs(g);
        using var twin = TensorFiles.Open(Golden.Path("pth", "t5_bf16.safetensors"));
        using var p = TensorFiles.Open(Golden.Path("pth", pth));
        Assert.Equal(UmT5Encoder.Load(twin).EncodeAll(ids, mask), UmT5Encoder.Load(p).EncodeAll(ids, mask));
    }

    static float RoundToBf16(float x)
    {
        uint b = BitConverter.SingleToUInt32Bits(x);
        b += 0x7FFF + ((b >> 16) & 1);
        return BitConverter.UInt32BitsToSingle(b & 0xFFFF0000);
    }

    /// <summary>OCP E4M3FN value of a byte, written from the format definition (test-side, independent of the loader).</summary>
    static float E4M3(byte b)
    {
        int e = (b >> 3) & 15, m = b & 7;
        if (e == 15 && m == 7) return float.NaN;
        double mag = e == 0 ? m / 8.0 * Math.Pow(2, -6) : (1 + m / 8.0) * Math.Pow(2, e - 7);
        return (float)((b & 0x80) != 0 ? -mag : mag);
    }

    [Theory]
    [InlineData(0x00, 0f)]
    [InlineData(0x38, 1f)]
    [InlineData(0xB8, -1f)]
    [InlineData(0x40, 2f)]
    [InlineData(0x7E, 448f)]
    [InlineData(0xFE, -448f)]
    [InlineData(0x78, 256f)]
    [InlineData(0x08, 0.015625f)]      // 2^-6, smallest normal
    [InlineData(0x01, 0.001953125f)]   // 2^-9, smallest subnormal
    [InlineData(0x07, 0.013671875f)]   // 7·2^-9, largest subnormal
    [InlineData(0x3C, 1.5f)]
    public void E4M3DecodeKnownValues(int b, float expected) => Assert.Equal(expected, Float8E4M3.FromBits((byte)b).ToSingle());

    [Fact]
    public void E4M3DecodeNaNsAndAllCodes()
    {
        Assert.True(float.IsNaN(Float8E4M3.FromBits(0x7F).ToSingle()));
        Assert.True(float.IsNaN(Float8E4M3.FromBits(0xFF).ToSingle()));
        Assert.True(float.IsNegative(Float8E4M3.FromBits(0x80).ToSingle()) && Float8E4M3.FromBits(0x80).ToSingle() == 0);
        for (int b = 0; b < 256; b++)
        {
            float a = Float8E4M3.FromBits((byte)b).ToSingle(), e = E4M3((byte)b);
            Assert.True(a.Equals(e), $"code 0x{b:X2}: {a} vs {e}");
        }
    }

    [Fact]
    public void ScaledFp8CheckpointDequantisesOnLoad()
    {
        // Build a ComfyUI-style scaled-fp8 file in memory: HF names, 2-D Linear weights as F8_E4M3 with a 0-d F32
        // scale_weight = max|W|/448, everything else kept in F32, plus the scaled_fp8 marker and spiece_model.
        using var g = T5TestData.Open();
        var (ids, mask) = T5TestData.Inputs(g);
        var codes = Enumerable.Range(0, 256).Where(b => !float.IsNaN(E4M3((byte)b))).Select(b => ((byte)b, E4M3((byte)b))).ToArray();

        using var fp8 = new InMemoryTensorSource("scaled fp8");
        using var expected = new InMemoryTensorSource("dequantised f32");
        fp8.AddF32("scaled_fp8", [0], []);
        fp8.Add("spiece_model", DType.U8, [3], [7, 8, 9]);
        int quantised = 0;
        foreach (var t in g.Tensors.Where(t => IsWeight(t.Name)))
        {
            var hf = ToHf(t.Name)!;
            var w = g.ReadFloat32(t.Name);
            bool linear = t.Name.Contains(".attn.") || t.Name.Contains(".ffn.");
            if (!linear) { fp8.AddF32(hf, t.Shape, w); expected.AddF32(hf, t.Shape, w); continue; }
            float scale = T5TestData.MaxAbs(w) / 448f;
            var bytes = new byte[w.Length];
            var deq = new float[w.Length];
            for (int i = 0; i < w.Length; i++)
            {
                float target = w[i] / scale;
                var best = codes.MinBy(c => MathF.Abs(c.Item2 - target));
                bytes[i] = best.Item1;
                deq[i] = best.Item2 * scale;
            }
            fp8.Add(hf, DType.F8_E4M3, t.Shape, bytes);
            fp8.Add(hf[..^".weight".Length] + ".scale_weight", DType.F32, [], BitConverter.GetBytes(scale));
            expected.AddF32(hf, t.Shape, deq);
            quantised++;
        }
        Assert.True(quantised > 0);

        var fromFp8 = UmT5Encoder.Load(fp8).EncodeAll(ids, mask);
        Assert.Equal(UmT5Encoder.Load(expected).EncodeAll(ids, mask), fromFp8);
        // fp8 rounding (3-bit mantissa) moves the output by ~9% of max|ref|; an unapplied scale (weights 448/max|W| times
        // too large) would break this bound.
        var refHidden = g.ReadFloat32("out.hidden");
        float err = T5TestData.MaxAbsDiff(fromFp8, refHidden);
        log.WriteLine($"fp8 e4m3 scaled weights: max abs err vs f32 golden {err:E3} (max|ref| {T5TestData.MaxAbs(refHidden):E3})");
        Assert.True(err < 0.25f * T5TestData.MaxAbs(refHidden), $"fp8 output too far from f32 golden: {err}");
    }

    [Fact]
    public void MissingOrMisshapedTensorNamesTheTensor()
    {
        using var g = T5TestData.Open();
        using var missing = InMemoryTensorSource.CopyOf(g, n => n == "blocks.1.ffn.fc2.weight" || !IsWeight(n) ? null : n);
        var ex = Assert.Throws<ModelFileException>(() => UmT5Encoder.Load(missing));
        Assert.Equal("blocks.1.ffn.fc2.weight", ex.Tensor);

        using var wrong = InMemoryTensorSource.CopyOf(g, n => n == "blocks.0.norm2.weight" || !IsWeight(n) ? null : n);
        wrong.AddF32("blocks.0.norm2.weight", [3], [1, 2, 3]);
        ex = Assert.Throws<ModelFileException>(() => UmT5Encoder.Load(wrong));
        Assert.Equal("blocks.0.norm2.weight", ex.Tensor);
        Assert.Contains("shape", ex.Message);

        using var none = new InMemoryTensorSource("empty");
        none.AddF32("something.else", [1], [0]);
        ex = Assert.Throws<ModelFileException>(() => UmT5Encoder.Load(none));
        Assert.Contains("no T5 encoder", ex.Message);
    }

    [Fact]
    public void NonScalarScaleIsRefused()
    {
        using var g = T5TestData.Open();
        using var src = InMemoryTensorSource.CopyOf(g, n => IsWeight(n) ? n : null);
        src.AddF32("blocks.0.attn.q.scale_weight", [2], [1, 1]);
        var ex = Assert.Throws<ModelFileException>(() => UmT5Encoder.Load(src));
        Assert.Equal("blocks.0.attn.q.scale_weight", ex.Tensor);
    }
}
