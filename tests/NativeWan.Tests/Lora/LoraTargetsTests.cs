using NativeWan.IO;
using NativeWan.Lora;

namespace NativeWan.Tests.Lora;

public class LoraTargetsTests
{
    [Theory]
    [InlineData("dit_t2v.safetensors")]
    [InlineData("dit_i2v.safetensors")]
    public void TargetsFromGoldenWeightsEqualTheGoldenLoraModulesInMusubiOrder(string file)
    {
        using var src = LoraTestData.Open(file);
        var meta = LoraTestData.Meta(src);
        var targets = LoraTargets.FromWeights(src);

        // same set and same order as the musubi module list recorded in the golden metadata
        Assert.Equal(meta.Modules, targets.Select(t => "lora_unet_" + t.ModulePath.Replace('.', '_')));
        // and the same set as the LoRA tensors actually present, with matching shapes
        var downs = LoraTestData.LoraTensors(src).Where(t => t.Name.EndsWith(".lora_down.weight")).ToList();
        Assert.Equal(downs.Count, targets.Count);
        foreach (var t in targets)
        {
            var stem = "lora_unet_" + t.ModulePath.Replace('.', '_');
            var down = src.Get(stem + ".lora_down.weight");
            var up = src.Get(stem + ".lora_up.weight");
            var w = src.Get(t.ModulePath + ".weight");
            Assert.Equal(w.Shape[1], t.In);
            Assert.Equal(w.Shape[0], t.Out);
            Assert.Equal(t.In, down.Shape[1]);
            Assert.Equal(t.Out, up.Shape[0]);
        }
    }

    /// <summary>The golden linears plus some made-up ones that test the filter corners.</summary>
    static List<LoraTarget> Linears()
    {
        using var src = LoraTestData.Open("dit_t2v.safetensors");
        var list = src.Tensors.Where(t => t.Shape.Length == 2 && t.Name.EndsWith(".weight"))
            .Select(t => new LoraTarget(t.Name[..^7], (int)t.Shape[1], (int)t.Shape[0])).ToList();
        Assert.Contains(list, l => l.ModulePath == "text_embedding.0"); // non-block Linears are in the list
        list.Add(new LoraTarget("blocks.0.self_attn.norm_proj", 8, 8)); // a Linear whose name hits the default exclude
        list.Add(new LoraTarget("blocks.1.cross_attn.k_img", 8, 8));    // 2.1-style extra Linear
        return list;
    }

    static string[] Select(LoraTargetOptions? o) => LoraTargets.FromLinears(Linears(), o).Select(t => t.ModulePath).ToArray();

    [Fact]
    public void DefaultSelectionIsEveryBlockLinearMinusTheMusubiExcludeRegex()
    {
        var all = Linears();
        var got = Select(null);
        var blockLinears = all.Where(l => l.ModulePath.StartsWith("blocks.")).Select(l => l.ModulePath).ToHashSet();
        var expected = blockLinears.Where(p => !p.Contains("norm")).ToHashSet();
        Assert.Equal(expected, got.ToHashSet());
        Assert.Contains("blocks.1.cross_attn.k_img", got);
        Assert.DoesNotContain("blocks.0.self_attn.norm_proj", got);
        Assert.DoesNotContain("text_embedding.0", got);
        Assert.DoesNotContain("head.head", got);
        // canonical order: block 0 first, q k v o within attention, k_img after o
        Assert.Equal("blocks.0.self_attn.q", got[0]);
        Assert.True(Array.IndexOf(got, "blocks.1.cross_attn.o") + 1 == Array.IndexOf(got, "blocks.1.cross_attn.k_img"));
    }

    [Fact]
    public void ExcludePatternsAreFullMatchAndIncludeOnlyRescues()
    {
        var baseline = Select(null);
        // fullmatch: a bare substring does not exclude anything
        Assert.Equal(baseline, Select(new LoraTargetOptions { ExcludePatterns = ["self_attn"] }));
        var noSelf = Select(new LoraTargetOptions { ExcludePatterns = [".*self_attn.*"] });
        Assert.Equal(baseline.Where(p => !p.Contains("self_attn")), noSelf);
        // include rescues an excluded module ...
        var rescued = Select(new LoraTargetOptions { ExcludePatterns = [".*ffn.*"], IncludePatterns = [@"blocks\.1\.ffn\.0"] });
        Assert.Equal(baseline.Where(p => !p.Contains("ffn") || p == "blocks.1.ffn.0"), rescued);
        // ... including ones hit by the built-in pattern
        var norm = Select(new LoraTargetOptions { IncludePatterns = [".*norm_proj"] });
        Assert.Contains("blocks.0.self_attn.norm_proj", norm);
        Assert.Equal(baseline.Length + 1, norm.Length);
        // ... but never narrows the set (block 1 holds no default-excluded Linear, so nothing changes)
        Assert.Equal(baseline, Select(new LoraTargetOptions { IncludePatterns = [@"blocks\.1\..*"] }));
        // while the same include on block 0 rescues exactly its norm-named Linear
        Assert.Equal(baseline.Append("blocks.0.self_attn.norm_proj").ToHashSet(), Select(new LoraTargetOptions { IncludePatterns = [@"blocks\.0\..*"] }).ToHashSet());
        // and never reaches outside the blocks
        Assert.DoesNotContain("head.head", Select(new LoraTargetOptions { IncludePatterns = [".*"] }));
        // alternation with fullmatch semantics: "a|ab" style patterns match the whole path
        Assert.Equal(baseline.Where(p => !p.EndsWith(".q") && !p.EndsWith(".k")),
            Select(new LoraTargetOptions { ExcludePatterns = [@".*\.q|.*\.k"] }));
    }

    [Fact]
    public void NetworkArgsAreParsedAsPythonListLiterals()
    {
        var o = LoraTargetOptions.FromNetworkArgs([@"exclude_patterns=[r'.*cross_attn.*', "".*ffn\\.2""]", "include_patterns=['blocks\\.0\\.cross_attn\\.q',]", "loraplus_lr_ratio=4"]);
        Assert.Equal([".*cross_attn.*", @".*ffn\.2"], o.ExcludePatterns);
        Assert.Equal([@"blocks\.0\.cross_attn\.q"], o.IncludePatterns);
        var got = Select(o);
        Assert.DoesNotContain("blocks.1.cross_attn.v", got);
        Assert.DoesNotContain("blocks.0.ffn.2", got);
        Assert.Contains("blocks.0.ffn.0", got);
        Assert.Contains("blocks.0.cross_attn.q", got);
        Assert.DoesNotContain("blocks.1.cross_attn.q", got);

        Assert.Equal(["a'b", "c\td", @"\d+", "xy"], PythonLiteral.ParseStringList(@"(""a'b"", 'c\td', '\d+', 'x' ""y"")"));
        Assert.Throws<FormatException>(() => PythonLiteral.ParseStringList("'.*'"));
        Assert.Throws<FormatException>(() => PythonLiteral.ParseStringList("['a' 'b"));
        Assert.Throws<FormatException>(() => LoraTargetOptions.FromNetworkArgs(["exclude_patterns"]));
        var bad = Assert.Throws<ArgumentException>(() => Select(new LoraTargetOptions { ExcludePatterns = ["(unclosed"] }));
        Assert.Contains("(unclosed", bad.Message);
        // Python named groups work
        var named = PythonLiteral.CompileFullMatch(@"blocks\.(?P<n>\d)\.ffn\.(?P=n)");
        Assert.Matches(named, "blocks.2.ffn.2");
        Assert.DoesNotMatch(named, "blocks.2.ffn.0");
    }

    [Fact]
    public void PrefixedWeightNamesGiveTheSameTargets()
    {
        using var src = LoraTestData.Open("dit_t2v.safetensors");
        var plain = LoraTargets.FromWeights(src);
        Assert.Equal(LoraTestData.Meta(src).Modules.Length, plain.Count);
        var dir = LoraTestData.TempDir();
        try
        {
            var w = new NativeWan.IO.SafeTensors.SafeTensorsWriter();
            foreach (var t in src.Tensors.Where(t => t.Name.StartsWith("blocks.")))
                w.Add("model.diffusion_model." + t.Name, t.DType, t.Shape, src.ReadBytes(t));
            var path = Path.Combine(dir, "prefixed.safetensors");
            w.Save(path);
            using var p = NativeWan.IO.SafeTensors.SafeTensorsFile.Open(path);
            Assert.Equal(plain, LoraTargets.FromWeights(p));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void CanonicalOrderSortsBlocksNumerically()
    {
        var paths = new[] { "blocks.10.ffn.0", "blocks.2.self_attn.o", "head.head", "blocks.2.self_attn.k", "blocks.2.ffn.2", "text_embedding.0", "blocks.2.cross_attn.q" };
        var sorted = paths.OrderBy(p => p, WanModulePaths.Comparer).ToArray();
        Assert.Equal(["text_embedding.0", "blocks.2.self_attn.k", "blocks.2.self_attn.o", "blocks.2.cross_attn.q", "blocks.2.ffn.2", "blocks.10.ffn.0", "head.head"], sorted);
    }
}
