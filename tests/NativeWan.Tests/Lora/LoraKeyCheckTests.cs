using NativeWan.IO;
using NativeWan.IO.SafeTensors;
using NativeWan.Lora;

namespace NativeWan.Tests.Lora;

public sealed class LoraKeyCheckTests : IDisposable
{
    readonly string _dir = LoraTestData.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static IEnumerable<string> Pair(string stem, string down = ".lora_down.weight", string up = ".lora_up.weight") => [stem + down, stem + up, stem + ".alpha"];

    [Fact]
    public void GoodKeysPass()
    {
        using var g = LoraTestData.Open("dit_t2v.safetensors");
        var goldenKeys = LoraTestData.LoraTensors(g).Select(t => t.Name).ToList();
        Assert.Empty(LoraKeyCheck.Check(goldenKeys));
        Assert.Empty(LoraKeyCheck.Check(goldenKeys, [.. LoraKeyCheck.ModelModules(g)]));
        // every ComfyUI-accepted form, including top-level modules and all suffix styles
        var ok = new List<string>();
        ok.AddRange(Pair("diffusion_model.blocks.7.cross_attn.o", ".lora_A.weight", ".lora_B.weight"));
        ok.AddRange(Pair("lora_prior_unet_blocks_3_ffn_2"));
        ok.AddRange(Pair("diffusion_model.blocks.1.ffn.0", "_lora.down.weight", "_lora.up.weight"));
        ok.AddRange(Pair("diffusion_model.blocks.1.ffn.2", ".lora.down.weight", ".lora.up.weight"));
        ok.AddRange(Pair("lora_unet_blocks_1_self_attn_v", ".lora_linear_layer.down.weight", ".lora_linear_layer.up.weight"));
        ok.AddRange(Pair("lora_unet_text_embedding_0"));
        ok.AddRange(Pair("diffusion_model.head.head"));
        Assert.Empty(LoraKeyCheck.Check(ok));
        // Wan-Fun names pass only with ComfyUI's marker key present
        var fun = Pair("lora_unet__blocks_0_cross_attn_k").Concat(Pair("lora_unet__blocks_5_ffn_0")).ToList();
        Assert.Empty(LoraKeyCheck.Check(fun));
        var funNoMarker = LoraKeyCheck.Check(Pair("lora_unet__blocks_5_ffn_0"));
        Assert.Equal(3, funNoMarker.Count);
        Assert.All(funNoMarker, p => Assert.Equal(LoraKeyProblemKind.NotLoadedByComfy, p.Kind));
    }

    [Fact]
    public void BadKeysAreFlaggedWithTheirKind()
    {
        var cases = new (string[] Keys, string Flagged, LoraKeyProblemKind Kind)[]
        {
            (["lora_unet_blocks_0_self_attn_x.lora_down.weight", "lora_unet_blocks_0_self_attn_x.lora_up.weight"], "lora_unet_blocks_0_self_attn_x.lora_down.weight", LoraKeyProblemKind.UnknownModule),
            (["lora_te_blocks_0_self_attn_q.lora_down.weight", "lora_te_blocks_0_self_attn_q.lora_up.weight"], "lora_te_blocks_0_self_attn_q.lora_up.weight", LoraKeyProblemKind.UnknownPrefix),
            (["unet.blocks.0.self_attn.q.lora_A.weight", "unet.blocks.0.self_attn.q.lora_B.weight"], "unet.blocks.0.self_attn.q.lora_A.weight", LoraKeyProblemKind.UnknownPrefix),
            (["diffusion_model.blocks.0.self_attn.q.lora_up.weight"], "diffusion_model.blocks.0.self_attn.q.lora_up.weight", LoraKeyProblemKind.MissingDown),
            (["diffusion_model.blocks.0.self_attn.k.lora_down.weight", "diffusion_model.blocks.0.self_attn.k.alpha"], "diffusion_model.blocks.0.self_attn.k.lora_down.weight", LoraKeyProblemKind.MissingUp),
            (["lora_unet_blocks_0_ffn_0.lora_down.weight", "lora_unet_blocks_0_ffn_0.lora_B.weight"], "lora_unet_blocks_0_ffn_0.lora_B.weight", LoraKeyProblemKind.MissingDown),
            (["lora_unet_blocks_0_ffn_0.alpha"], "lora_unet_blocks_0_ffn_0.alpha", LoraKeyProblemKind.AlphaWithoutPair),
            (["blocks.0.self_attn.v.lora_A.default.weight", "blocks.0.self_attn.v.lora_B.default.weight"], "blocks.0.self_attn.v.lora_B.default.weight", LoraKeyProblemKind.NotLoadedByComfy),
            (["diffusion_model.blocks.0.self_attn.v.lora_A.default.weight", "diffusion_model.blocks.0.self_attn.v.lora_B.default.weight"], "diffusion_model.blocks.0.self_attn.v.lora_A.default.weight", LoraKeyProblemKind.NotLoadedByComfy),
            (["transformer.blocks.1.attn1.to_q.lora_A.weight", "transformer.blocks.1.attn1.to_q.lora_B.weight"], "transformer.blocks.1.attn1.to_q.lora_A.weight", LoraKeyProblemKind.NotLoadedByComfy),
            (["model.diffusion_model.blocks.1.ffn.0.lora_A.weight", "model.diffusion_model.blocks.1.ffn.0.lora_B.weight"], "model.diffusion_model.blocks.1.ffn.0.lora_B.weight", LoraKeyProblemKind.NotLoadedByComfy),
            (["diffusion_model.blocks.0.cross_attn.k_img.lora_A.weight", "diffusion_model.blocks.0.cross_attn.k_img.lora_B.weight"], "diffusion_model.blocks.0.cross_attn.k_img.lora_A.weight", LoraKeyProblemKind.UnknownModule),
            ([.. Pair("lora_unet_blocks_0_self_attn_q"), .. Pair("diffusion_model.blocks.0.self_attn.q", ".lora_A.weight", ".lora_B.weight")], "diffusion_model.blocks.0.self_attn.q.lora_A.weight", LoraKeyProblemKind.Duplicate),
            (["blocks.0.norm3.weight"], "blocks.0.norm3.weight", LoraKeyProblemKind.NotLoraKey),
            (["lora_unet_blocks_0_ffn_2.hada_w1_a", "lora_unet_blocks_0_ffn_2.hada_w1_b"], "lora_unet_blocks_0_ffn_2.hada_w1_a", LoraKeyProblemKind.UnsupportedAdapter),
        };
        foreach (var (keys, flagged, kind) in cases)
        {
            var problems = LoraKeyCheck.Check(keys);
            Assert.True(problems.Any(p => p.Key == flagged && p.Kind == kind),
                $"{flagged}: expected {kind}, got [{string.Join("; ", problems)}]");
        }
        // the same module in a correct form is not flagged
        Assert.Empty(LoraKeyCheck.Check(Pair("lora_unet_blocks_0_self_attn_q")));
    }

    [Fact]
    public void ModelModulesLimitBlockIndices()
    {
        using var g = LoraTestData.Open("dit_t2v.safetensors");
        var modules = LoraKeyCheck.ModelModules(g);
        int blocks = modules.Select(WanModulePaths.BlockIndex).Where(b => b is not null).Distinct().Count();
        var inside = Pair($"lora_unet_blocks_{blocks - 1}_ffn_2").ToList();
        var outside = Pair($"lora_unet_blocks_{blocks}_ffn_2").ToList();
        Assert.Empty(LoraKeyCheck.Check(inside, [.. modules]));
        Assert.Empty(LoraKeyCheck.Check(outside)); // any block index is a Wan module without a model
        var p = LoraKeyCheck.Check(outside, [.. modules]);
        Assert.Equal(3, p.Count);
        Assert.All(p, x => Assert.Equal(LoraKeyProblemKind.UnknownModule, x.Kind));
    }

    [Fact]
    public void TensorCheckFindsShapeAndDtypeProblems()
    {
        using var g = LoraTestData.Open("dit_t2v.safetensors");
        var q = g.Get("blocks.0.self_attn.q.weight");
        int @out = (int)q.Shape[0], @in = (int)q.Shape[1], r = 3;
        var w = new SafeTensorsWriter();
        w.AddF32("lora_unet_blocks_0_self_attn_q.lora_down.weight", new float[r * (@in + 1)], r, @in + 1); // wrong in
        w.AddF32("lora_unet_blocks_0_self_attn_q.lora_up.weight", new float[@out * r], @out, r);
        w.AddF32("lora_unet_blocks_0_self_attn_k.lora_down.weight", new float[r * @in], r, @in);
        w.AddF32("lora_unet_blocks_0_self_attn_k.lora_up.weight", new float[@out * (r + 1)], @out, r + 1); // rank mismatch
        w.AddF32("lora_unet_blocks_0_self_attn_k.alpha", [1f, 1f], 2);                                    // alpha not scalar
        w.Add("lora_unet_blocks_0_self_attn_v.lora_down.weight", NativeWan.Numerics.DType.I32, [r, @in], new byte[4 * r * @in]);
        w.AddF32("lora_unet_blocks_0_self_attn_v.lora_up.weight", new float[@out * r], @out, r);
        var path = Path.Combine(_dir, "bad.safetensors");
        w.Save(path);
        using var f = SafeTensorsFile.Open(path);
        var problems = LoraKeyCheck.Check(f, g);
        Assert.Contains(problems, p => p.Key == "lora_unet_blocks_0_self_attn_q.lora_down.weight" && p.Kind == LoraKeyProblemKind.BadShape);
        Assert.Contains(problems, p => p.Key == "lora_unet_blocks_0_self_attn_k.lora_up.weight" && p.Kind == LoraKeyProblemKind.BadShape);
        Assert.Contains(problems, p => p.Key == "lora_unet_blocks_0_self_attn_k.alpha" && p.Kind == LoraKeyProblemKind.BadShape);
        Assert.Contains(problems, p => p.Key == "lora_unet_blocks_0_self_attn_v.lora_down.weight" && p.Kind == LoraKeyProblemKind.BadDType);
        Assert.DoesNotContain(problems, p => p.Key.Contains("self_attn_q.lora_up"));
        Assert.Equal(4, problems.Count);
    }
}
