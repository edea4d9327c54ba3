using System.Text.Json;
using NativeWan.Inspection;
using NativeWan.IO;
using NativeWan.Numerics;
using NativeWan.IO.SafeTensors;

namespace NativeWan.Tests.Inspection;

public class CheckpointInspectorTests
{
    static JsonElement Config(string file)
    {
        using var f = SafeTensorsFile.Open(Golden.Path(file));
        return JsonDocument.Parse(f.Metadata["config"]).RootElement.Clone();
    }

    [Theory]
    [InlineData("dit_t2v.safetensors")]
    [InlineData("dit_i2v.safetensors")]
    public void DitDimsEqualTheGoldenConfig(string file)
    {
        var cfg = Config(file);
        var r = CheckpointInspector.Inspect(Golden.Path(file));
        var dit = Assert.Single(r.Recognized, x => x.Kind == "wan-dit");
        Assert.Equal(cfg.GetProperty("model_type").GetString(), dit.Properties["model_type"]);
        foreach (var k in new[] { "dim", "ffn_dim", "num_layers", "num_heads", "in_dim", "out_dim", "text_dim", "freq_dim" })
            Assert.Equal(cfg.GetProperty(k).GetInt64().ToString(), dit.Properties[k]);
        var lora = Assert.Single(r.Recognized, x => x.Kind == "lora");
        using var f = SafeTensorsFile.Open(Golden.Path(file));
        var loraMeta = JsonDocument.Parse(f.Metadata["lora"]).RootElement;
        Assert.Equal(loraMeta.GetProperty("modules").GetArrayLength().ToString(), lora.Properties["modules"]);
        Assert.Equal(loraMeta.GetProperty("rank").GetInt64().ToString(), lora.Properties["rank"]);
    }

    [Fact]
    public void VaeIsRecognizedWithItsZDim()
    {
        var cfg = Config("vae.safetensors");
        var vae = Assert.Single(CheckpointInspector.Inspect(Golden.Path("vae.safetensors")).Recognized, x => x.Kind == "wan-vae");
        Assert.Equal(cfg.GetProperty("z_dim").GetInt64().ToString(), vae.Properties["z_dim"]);
        Assert.Equal(cfg.GetProperty("dim").GetInt64().ToString(), vae.Properties["dim"]);
    }

    [Fact]
    public void UmT5IsRecognizedWithItsDims()
    {
        var cfg = Config("t5.safetensors");
        var t5 = Assert.Single(CheckpointInspector.Inspect(Golden.Path("t5.safetensors")).Recognized, x => x.Kind == "umt5-encoder");
        Assert.Equal("official", t5.Properties["names"]);
        Assert.Equal(cfg.GetProperty("dim").GetInt64().ToString(), t5.Properties["dim"]);
        Assert.Equal(cfg.GetProperty("num_layers").GetInt64().ToString(), t5.Properties["num_layers"]);
        Assert.Equal(cfg.GetProperty("num_heads").GetInt64().ToString(), t5.Properties["num_heads"]);
        Assert.Equal("per layer (umT5)", t5.Properties["relative_bias"]);
    }

    [Fact]
    public void EmbeddedTokenizerIsRecognized()
    {
        var r = CheckpointInspector.Inspect(Golden.Path("tokenizer", "umt5_tokenizer_embedded.safetensors"));
        var sp = Assert.Single(r.Recognized);
        Assert.Equal("sentencepiece", sp.Kind);
        Assert.Equal(new FileInfo(Golden.Path("tokenizer", "spiece.model")).Length.ToString(), sp.Properties["bytes"]);
    }

    [Fact]
    public void ComfyPrefixedFp8ScaledDitIsRecognized()
    {
        // Rebuild the golden DiT's weights under ComfyUI names with a per-tensor fp8 scale and the scaled_fp8 marker.
        using var src = SafeTensorsFile.Open(Golden.Path("dit_t2v.safetensors"));
        var w = new SafeTensorsWriter();
        foreach (var t in src.Tensors)
        {
            if (t.Name.StartsWith("in.") || t.Name.StartsWith("out.") || t.Name.StartsWith("dbg.") || t.Name.StartsWith("grad.") || t.Name.StartsWith("train.") || t.Name.StartsWith("lora_")) continue;
            if (t.Name == "blocks.0.self_attn.q.weight")
            {
                w.Add("model.diffusion_model." + t.Name, DType.F8_E4M3, t.Shape, new byte[t.ElementCount]);
                w.AddF32("model.diffusion_model.blocks.0.self_attn.q.scale_weight", [0.5f]);
                continue;
            }
            w.Add("model.diffusion_model." + t.Name, t.DType, t.Shape, src.ReadBytes(t));
        }
        w.Add("model.diffusion_model.scaled_fp8", DType.F8_E4M3, [2], new byte[2]);
        var path = Path.Combine(Path.GetTempPath(), $"nw-comfy-{Guid.NewGuid():N}.safetensors");
        try
        {
            w.Save(path);
            var r = CheckpointInspector.Inspect(path);
            var dit = Assert.Single(r.Recognized, x => x.Kind == "wan-dit");
            Assert.Equal("t2v", dit.Properties["model_type"]);
            Assert.StartsWith("comfyui", dit.Properties["names"]);
            Assert.Equal("F8_E4M3", dit.Properties["weight_dtype"]);
            var fp8 = Assert.Single(r.Recognized, x => x.Kind == "fp8-scaled");
            Assert.Equal("per-tensor", fp8.Properties["scale_layout"]);
            Assert.Equal("yes", fp8.Properties["scaled_fp8_marker"]);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void SchedulerTablesAreNotMistakenForAModel()
    {
        var r = CheckpointInspector.Inspect(Golden.Path("sched.safetensors"));
        Assert.DoesNotContain(r.Recognized, x => x.Kind is "wan-dit" or "wan-vae" or "umt5-encoder" or "lora");
    }
}
