using NativeWan.IO;
using NativeWan.IO.SafeTensors;
using NativeWan.Lora;
using NativeWan.Numerics;

namespace NativeWan.Tests.Lora;

public sealed class LoraFileTests : IDisposable
{
    readonly string _dir = LoraTestData.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Tmp(string name) => Path.Combine(_dir, name);

    static LoraNetwork GoldenNet(string file = "dit_t2v.safetensors") => LoraFile.Load(NativeWan.Tests.Golden.Path(file)).Network;

    [Theory]
    [InlineData("dit_t2v.safetensors")]
    [InlineData("dit_i2v.safetensors")]
    public void LoadsTheGoldenMusubiLora(string file)
    {
        using var src = LoraTestData.Open(file);
        var meta = LoraTestData.Meta(src);
        var r = LoraFile.Load(src);
        Assert.Equal(LoraFormat.Musubi, r.Format);
        Assert.Equal("musubi", r.Layout.Name);
        Assert.Equal(meta.Modules.Length, r.Network.Count);
        Assert.Equal(meta.Modules, r.Network.Modules.Select(m => "lora_unet_" + m.ModulePath.Replace('.', '_')));
        // grad.lora_unet_* copies are LoRA-suffixed but have an unknown prefix: reported, not loaded
        Assert.All(r.Unused, u => Assert.StartsWith("grad.", u.Key));
        Assert.All(r.Unused, u => Assert.Equal(LoraKeyProblemKind.UnknownPrefix, u.Kind));
        Assert.Equal(src.Tensors.Count(t => t.Name.StartsWith("grad.lora_unet_")), r.Unused.Count);
        Assert.Equal(src.Tensors.Count - r.Unused.Count - LoraTestData.LoraTensors(src).Count(), r.OtherTensorCount);
        foreach (var m in r.Network.Modules)
        {
            var stem = "lora_unet_" + m.ModulePath.Replace('.', '_');
            var down = src.Get(stem + ".lora_down.weight");
            Assert.Equal(down.Shape[0], m.Rank);
            Assert.Equal(meta.Rank, m.Rank);
            Assert.Equal(src.ReadFloat32(stem + ".alpha")[0], m.Alpha);
            Assert.Equal(meta.Alpha, m.Alpha);
            Assert.True(LoraTestData.BitsEqual(src.ReadFloat32(stem + ".lora_down.weight"), m.Down));
            Assert.True(LoraTestData.BitsEqual(src.ReadFloat32(stem + ".lora_up.weight"), m.Up));
        }
    }

    [Fact]
    public void MusubiSaveReloadsBitIdenticalWithMetadataAndScalarAlpha()
    {
        var net = GoldenNet();
        var meta = new Dictionary<string, string> { ["ss_network_module"] = "networks.lora_wan", ["ss_network_dim"] = "4" };
        var path = Tmp("m.safetensors");
        LoraFile.Save(net, path, LoraFormat.Musubi, meta);
        using (var f = SafeTensorsFile.Open(path))
        {
            Assert.Equal(3 * net.Count, f.Tensors.Count);
            Assert.Equal(meta, f.Metadata.ToDictionary());
            foreach (var m in net.Modules)
            {
                var stem = "lora_unet_" + m.ModulePath.Replace('.', '_');
                var a = f.Get(stem + ".alpha");
                Assert.Equal((DType.F32, 0), (a.DType, a.Shape.Length));
                Assert.Equal(new long[] { m.Rank, m.In }, f.Get(stem + ".lora_down.weight").Shape);
                Assert.Equal(new long[] { m.Out, m.Rank }, f.Get(stem + ".lora_up.weight").Shape);
            }
            Assert.Empty(LoraKeyCheck.Check(f));
        }
        // the raw value bytes equal the golden file's bytes for every LoRA tensor
        using (var g = LoraTestData.Open("dit_t2v.safetensors"))
        using (var f = SafeTensorsFile.Open(path))
            foreach (var t in LoraTestData.LoraTensors(g))
                Assert.True(g.ReadBytes(t).AsSpan().SequenceEqual(f.ReadBytes(f.Get(t.Name))), t.Name);
        var back = LoraFile.Load(path);
        LoraTestData.AssertSame(net, back.Network, "musubi round trip");
        Assert.Equal(meta, back.Metadata.ToDictionary());
    }

    [Fact]
    public void MusubiAndComfyConvertIntoEachOtherExactly()
    {
        var net = GoldenNet();
        var meta = new Dictionary<string, string> { ["ss_network_alpha"] = "2.0" };
        LoraFile.Save(net, Tmp("a.safetensors"), LoraFormat.Musubi, meta);
        var musubi = LoraFile.Load(Tmp("a.safetensors"));
        LoraFile.Save(musubi.Network, Tmp("b.safetensors"), LoraFormat.Comfy, musubi.Metadata);
        var comfy = LoraFile.Load(Tmp("b.safetensors"));
        Assert.Equal(LoraFormat.Comfy, comfy.Format);
        LoraTestData.AssertSame(net, comfy.Network, "musubi -> comfy");
        using (var f = SafeTensorsFile.Open(Tmp("b.safetensors")))
        {
            Assert.Contains(f.Tensors, t => t.Name == "diffusion_model.blocks.0.self_attn.q.lora_A.weight");
            Assert.All(f.Tensors, t => Assert.StartsWith("diffusion_model.blocks.", t.Name));
            Assert.Empty(LoraKeyCheck.Check(f));
        }
        LoraFile.Save(comfy.Network, Tmp("c.safetensors"), LoraFormat.Musubi, comfy.Metadata);
        Assert.Equal(File.ReadAllBytes(Tmp("a.safetensors")), File.ReadAllBytes(Tmp("c.safetensors")));
    }

    [Theory]
    [InlineData(DType.BF16)]
    [InlineData(DType.F16)]
    public void HalfPrecisionSavesRoundToNearest(DType dtype)
    {
        IReadOnlyList<LoraTarget> targets;
        using (var g = LoraTestData.Open("dit_t2v.safetensors")) targets = LoraTargets.FromWeights(g);
        var net = LoraNetwork.Create(targets, 4, 3f, seed: 5);
        foreach (var m in net.Modules) for (int i = 0; i < m.Up.Length; i++) m.Up[i] = (float)Math.Sin(i * 0.37 + m.Out) * 1e-3f;
        var path = Tmp("h.safetensors");
        LoraFile.Save(net, path, LoraFormat.Musubi, null, dtype);
        using var f = SafeTensorsFile.Open(path);
        var back = LoraFile.Load(f).Network;
        foreach (var m in net.Modules)
        {
            Assert.Equal(dtype, f.Get(LoraKeys.Down(m.ModulePath, LoraFormat.Musubi)).DType);
            Assert.Equal(DType.F32, f.Get(LoraKeys.Alpha(m.ModulePath, LoraFormat.Musubi)).DType);
            var b = back.Find(m.ModulePath)!;
            Assert.Equal(3f, b.Alpha);
            foreach (var (x, y) in m.Down.Zip(b.Down).Concat(m.Up.Zip(b.Up)))
                Assert.Equal(Nearest(x, dtype), y);
        }
        Assert.Throws<ArgumentException>(() => LoraFile.Save(net, Tmp("bad.safetensors"), LoraFormat.Musubi, null, DType.F8_E4M3));
        Assert.Throws<ArgumentException>(() => LoraFile.Save(new LoraNetwork(), Tmp("empty.safetensors")));
        Assert.False(File.Exists(Tmp("bad.safetensors")));
    }

    /// <summary>Nearest representable value (ties to even) found by double arithmetic, independent of the encoder.</summary>
    static float Nearest(float x, DType dtype)
    {
        if (dtype == DType.F16) return (float)(Half)x;
        uint bits = BitConverter.SingleToUInt32Bits(x);
        float lo = BitConverter.UInt32BitsToSingle(bits & 0xFFFF0000u);
        float hi = BitConverter.UInt32BitsToSingle((bits & 0xFFFF0000u) + 0x10000u); // next bf16 away from zero
        double dl = Math.Abs((double)x - lo), dh = Math.Abs((double)hi - x);
        if (dl != dh) return dl < dh ? lo : hi;
        return ((bits >> 16) & 1) == 0 ? lo : hi;
    }

    /// <summary>Key forms a Wan LoRA can come in: module-key builder, down suffix, up suffix.</summary>
    public static TheoryData<string> Forms => new(FormTable.Keys);

    static readonly Dictionary<string, (Func<string, string> Key, string Down, string Up)> FormTable = new()
    {
        ["musubi"] = (p => "lora_unet_" + p.Replace('.', '_'), ".lora_down.weight", ".lora_up.weight"),
        ["comfy A/B"] = (p => "diffusion_model." + p, ".lora_A.weight", ".lora_B.weight"),
        ["comfy down/up"] = (p => "diffusion_model." + p, ".lora_down.weight", ".lora_up.weight"),
        ["prior"] = (p => "lora_prior_unet_" + p.Replace('.', '_'), ".lora_down.weight", ".lora_up.weight"),
        ["wan-fun"] = (p => "lora_unet__" + p.Replace('.', '_'), ".lora_down.weight", ".lora_up.weight"),
        ["diffsynth"] = (p => p, ".lora_A.default.weight", ".lora_B.default.weight"),
        ["bare A/B"] = (p => p, ".lora_A.weight", ".lora_B.weight"),
        ["_lora.down"] = (p => "diffusion_model." + p, "_lora.down.weight", "_lora.up.weight"),
        [".lora.down"] = (p => "diffusion_model." + p, ".lora.down.weight", ".lora.up.weight"),
        ["lora_linear_layer"] = (p => "diffusion_model." + p, ".lora_linear_layer.down.weight", ".lora_linear_layer.up.weight"),
        ["model.diffusion_model"] = (p => "model.diffusion_model." + p, ".lora_A.weight", ".lora_B.weight"),
        ["transformer diffusers"] = (p => "transformer." + ToDiffusers(p), ".lora_A.weight", ".lora_B.weight"),
        ["peft"] = (p => "base_model.model." + p, ".lora_A.weight", ".lora_B.weight"),
        ["lycoris"] = (p => "lycoris_" + p.Replace('.', '_'), ".lora_down.weight", ".lora_up.weight"),
    };

    /// <summary>Spec 2.10 names, written out here independently of the library's table.</summary>
    static string ToDiffusers(string p)
    {
        var parts = p.Split('.');
        string blk = $"{parts[0]}.{parts[1]}.";
        string rest = string.Join('.', parts[2..]);
        return blk + rest switch
        {
            "self_attn.q" => "attn1.to_q", "self_attn.k" => "attn1.to_k", "self_attn.v" => "attn1.to_v", "self_attn.o" => "attn1.to_out.0",
            "cross_attn.q" => "attn2.to_q", "cross_attn.k" => "attn2.to_k", "cross_attn.v" => "attn2.to_v", "cross_attn.o" => "attn2.to_out.0",
            "ffn.0" => "ffn.net.0.proj", "ffn.2" => "ffn.net.2",
            _ => throw new InvalidOperationException(p),
        };
    }

    string WriteForm(LoraNetwork net, string form, bool alpha, DType dtype = DType.F32)
    {
        var (key, down, up) = FormTable[form];
        var w = new SafeTensorsWriter();
        foreach (var m in net.Modules.Reverse()) // file order must not matter
        {
            var k = key(m.ModulePath);
            w.Add(k + down, dtype, [m.Rank, m.In], LoraTensorCodec.Encode(m.Down, dtype));
            w.Add(k + up, dtype, [m.Out, m.Rank], LoraTensorCodec.Encode(m.Up, dtype));
            if (alpha) w.Add(k + ".alpha", dtype, [], LoraTensorCodec.Encode([m.Alpha], dtype));
        }
        var path = Tmp(form.Replace(' ', '_').Replace('/', '_') + (alpha ? "" : "_noalpha") + ".safetensors");
        w.Save(path);
        return path;
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void EveryAcceptedFormLoadsToTheSameNetwork(string form)
    {
        var net = GoldenNet();
        var r = LoraFile.Load(WriteForm(net, form, alpha: true));
        LoraTestData.AssertSame(net, r.Network, form);
        Assert.Empty(r.Unused);
        Assert.Single(r.Layouts);
        Assert.Equal(form == "transformer diffusers", r.Layout.DiffusersNames);

        // without alpha: alpha = rank (scale 1), matrices unchanged
        var noAlpha = LoraFile.Load(WriteForm(net, form, alpha: false)).Network;
        foreach (var m in net.Modules)
        {
            var b = noAlpha.Find(m.ModulePath)!;
            Assert.Equal(m.Rank, b.Alpha);
            Assert.True(LoraTestData.BitsEqual(m.Down, b.Down) && LoraTestData.BitsEqual(m.Up, b.Up));
        }
    }

    [Fact]
    public void Bf16StoredFilesLoadExactly()
    {
        var net = GoldenNet();
        var r = LoraFile.Load(WriteForm(net, "comfy A/B", alpha: true, DType.BF16)).Network;
        foreach (var m in net.Modules)
        {
            var b = r.Find(m.ModulePath)!;
            Assert.Equal(m.Alpha, b.Alpha); // 2.0 is exact in bf16
            foreach (var (x, y) in m.Down.Zip(b.Down)) Assert.Equal(Nearest(x, DType.BF16), y);
        }
    }

    [Fact]
    public void ModelModulesRestrictWhatLoads()
    {
        var net = GoldenNet();
        var path = WriteForm(net, "musubi", alpha: true);
        using var model = LoraTestData.Open("dit_t2v.safetensors");
        var modules = LoraKeyCheck.ModelModules(model);
        var all = LoraFile.Load(path, new LoraLoadOptions { ModelModules = [.. modules] });
        LoraTestData.AssertSame(net, all.Network, "with model modules");
        var some = modules.Where(m => !m.StartsWith("blocks.1.")).ToList();
        var part = LoraFile.Load(path, new LoraLoadOptions { ModelModules = some });
        Assert.Equal(net.Modules.Count(m => m.ModulePath.StartsWith("blocks.0.")), part.Network.Count);
        Assert.Equal(3 * (net.Count - part.Network.Count), part.Unused.Count);
        Assert.All(part.Unused, u => Assert.Equal(LoraKeyProblemKind.UnknownModule, u.Kind));
        var strict = Assert.Throws<ModelFileException>(() => LoraFile.Load(path, new LoraLoadOptions { ModelModules = some, Strict = true }));
        Assert.Contains("lora_unet_blocks_1_", strict.Message);
    }

    [Fact]
    public void BrokenFilesThrowNamingTheTensor()
    {
        var net = GoldenNet();
        var m = net.Modules.First();
        string Write(string name, Action<SafeTensorsWriter> fill)
        {
            var w = new SafeTensorsWriter();
            fill(w);
            var p = Tmp(name + ".safetensors");
            w.Save(p);
            return p;
        }
        var stem = "lora_unet_" + m.ModulePath.Replace('.', '_');
        var upOnly = Write("uponly", w => w.AddF32(stem + ".lora_up.weight", m.Up, m.Out, m.Rank));
        var e = Assert.Throws<ModelFileException>(() => LoraFile.Load(upOnly));
        Assert.Equal(stem + ".lora_up.weight", e.Tensor);
        Assert.Contains("no down matrix", e.Message);

        var rankMismatch = Write("rank", w => w.AddF32(stem + ".lora_down.weight", m.Down, m.Rank, m.In).AddF32(stem + ".lora_up.weight", new float[m.Out * (m.Rank - 1)], m.Out, m.Rank - 1));
        e = Assert.Throws<ModelFileException>(() => LoraFile.Load(rankMismatch));
        Assert.Equal(stem + ".lora_up.weight", e.Tensor);

        var twice = Write("twice", w => w.AddF32(stem + ".lora_down.weight", m.Down, m.Rank, m.In).AddF32(stem + ".lora_up.weight", m.Up, m.Out, m.Rank)
            .AddF32("diffusion_model." + m.ModulePath + ".lora_A.weight", m.Down, m.Rank, m.In).AddF32("diffusion_model." + m.ModulePath + ".lora_B.weight", m.Up, m.Out, m.Rank));
        Assert.Contains("given twice", Assert.Throws<ModelFileException>(() => LoraFile.Load(twice)).Message);

        var dora = Write("dora", w => w.AddF32(stem + ".lora_down.weight", m.Down, m.Rank, m.In).AddF32(stem + ".lora_up.weight", m.Up, m.Out, m.Rank).AddF32(stem + ".dora_scale", new float[m.Out], 1, m.Out));
        Assert.Equal(stem + ".dora_scale", Assert.Throws<ModelFileException>(() => LoraFile.Load(dora)).Tensor);

        var badAlpha = Write("alpha", w => w.AddF32(stem + ".lora_down.weight", m.Down, m.Rank, m.In).AddF32(stem + ".lora_up.weight", m.Up, m.Out, m.Rank).AddF32(stem + ".alpha", [1f, 2f], 2));
        Assert.Equal(stem + ".alpha", Assert.Throws<ModelFileException>(() => LoraFile.Load(badAlpha)).Tensor);

        Assert.Contains("no LoRA tensors", Assert.Throws<ModelFileException>(() => LoraFile.Load(Golden.Path("t5.safetensors"))).Message);

        // LoHa-only modules are reported unused, and a file of nothing else does not load
        var loha = Write("loha", w => w.AddF32(stem + ".hada_w1_a", new float[4], 2, 2).AddF32(stem + ".alpha", [1f]));
        e = Assert.Throws<ModelFileException>(() => LoraFile.Load(loha));
        Assert.Contains("no usable LoRA module", e.Message);
    }
}
