using NativeWan.IO.SafeTensors;
using NativeWan.Lora;
using NativeWan.Numerics;

namespace NativeWan.Tests.Lora;

public sealed class LoraFileInfoTests : IDisposable
{
    readonly string _dir = LoraTestData.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void DetectSummarisesTheGoldenLora()
    {
        using var g = LoraTestData.Open("dit_t2v.safetensors");
        var meta = LoraTestData.Meta(g);
        var info = LoraFileInfo.Detect(g);
        Assert.NotNull(info);
        Assert.Equal("musubi", info.Format);
        Assert.Equal(meta.Modules.Length, info.ModuleCount);
        var blocks = g.Tensors.Select(t => WanModulePaths.BlockIndex(t.Name)).Where(b => b is not null).Distinct().Count();
        Assert.Equal(blocks, info.BlockCount);
        Assert.Equal([meta.Rank], info.Ranks);
        Assert.Equal([meta.Alpha], info.Alphas);
        Assert.False(info.RankVaries);
        Assert.Equal(0, info.ModulesWithoutAlpha);
        Assert.Equal([DType.F32], info.DTypes);
        var net = LoraFile.Load(g).Network;
        Assert.Equal(net.ParameterCount, info.ParameterCount);
        Assert.Equal(g.Tensors.Count(t => t.Name.StartsWith("grad.lora_unet_")), info.UnusedKeyCount);
        Assert.Equal(g.Tensors.Count - info.UnusedKeyCount - 3 * info.ModuleCount, info.OtherTensorCount);
    }

    [Fact]
    public void DetectReturnsNullForNonLoraFiles()
    {
        foreach (var f in new[] { "t5.safetensors", "vae.safetensors", "sched.safetensors" })
        {
            using var s = SafeTensorsFile.Open(Golden.Path(f));
            Assert.Null(LoraFileInfo.Detect(s));
        }
    }

    [Fact]
    public void DetectReportsVaryingRanksMissingAlphaAndMixedLayouts()
    {
        using var g = LoraTestData.Open("dit_t2v.safetensors");
        var targets = LoraTargets.FromWeights(g);
        var w = new SafeTensorsWriter();
        long parameters = 0;
        for (int i = 0; i < targets.Count; i++)
        {
            var t = targets[i];
            int r = 2 + i % 3;
            parameters += (long)r * (t.In + t.Out);
            bool comfy = i % 2 == 0;
            var stem = comfy ? "diffusion_model." + t.ModulePath : "lora_unet_" + t.ModulePath.Replace('.', '_');
            w.Add(stem + (comfy ? ".lora_A.weight" : ".lora_down.weight"), DType.BF16, [r, t.In], new byte[2 * r * t.In]);
            w.Add(stem + (comfy ? ".lora_B.weight" : ".lora_up.weight"), DType.BF16, [t.Out, r], new byte[2 * r * t.Out]);
            if (i % 4 != 0) w.AddF32(stem + ".alpha", [i % 4 == 1 ? 1f : 8f]);
        }
        var path = Path.Combine(_dir, "mixed.safetensors");
        w.Save(path);
        using var f = SafeTensorsFile.Open(path);
        var info = LoraFileInfo.Detect(f)!;
        Assert.Equal(targets.Count, info.ModuleCount);
        Assert.True(info.RankVaries);
        Assert.Equal([2, 3, 4], info.Ranks);
        Assert.Equal([1f, 8f], info.Alphas);
        Assert.Equal(targets.Where((_, i) => i % 4 == 0).Count(), info.ModulesWithoutAlpha);
        Assert.Equal(2, info.Layouts.Count);
        Assert.Equal("comfy + musubi", info.Format);
        Assert.Equal([DType.BF16], info.DTypes);
        Assert.Equal(parameters, info.ParameterCount);
        Assert.Equal(0, info.OtherTensorCount);
    }
}
