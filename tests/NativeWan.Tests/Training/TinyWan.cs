using NativeWan.IO.SafeTensors;
using NativeWan.Lora;
using NativeWan.Models.Wan;
using NativeWan.Numerics;
using NativeWan.Optim;
using NativeWan.Training;

namespace NativeWan.Tests.Training;

/// <summary>Tiny random Wan DiTs and data for trainer tests (real architecture, small sizes).</summary>
internal static class TinyWan
{
    public static readonly WanConfig Config = new()
    {
        ModelType = WanModelType.T2V, Dim = 32, FfnDim = 64, InDim = 16, OutDim = 16, NumLayers = 2, NumHeads = 2,
        TextDim = 16, FreqDim = 32, TextLen = 8, PatchSize = (1, 2, 2),
    };

    public static WanDit Dit(ulong seed)
    {
        var path = Path.Combine(Path.GetTempPath(), $"nw-tiny-{Guid.NewGuid():N}.safetensors");
        try
        {
            WanRandomInit.Create(Config, seed).Save(path);
            using var src = SafeTensorsFile.Open(path);
            Assert.Equal(Config, WanConfig.FromWeights(src));
            return WanDit.Load(src);
        }
        finally { File.Delete(path); }
    }

    public static List<TrainingSample> Data(int count, ulong seed)
    {
        var rng = new Prng(seed);
        var shape = new LatentShape(16, 2, 4, 4);
        return Enumerable.Range(0, count).Select(i =>
        {
            var x = new float[shape.Elements]; rng.FillGaussian(x);
            var c = new float[5 * Config.TextDim]; rng.FillGaussian(c);
            return new TrainingSample($"item{i}", x, shape, c);
        }).ToList();
    }

    public static LoraNetwork Lora(WanDit dit, int seed) =>
        LoraNetwork.Create(LoraTargets.FromLinears(dit.LoraTargets.Select(p => (p, Config.Dim, Config.Dim))
            .Select(t => t.p.EndsWith("ffn.0") ? (t.p, Config.Dim, Config.FfnDim) : t.p.EndsWith("ffn.2") ? (t.p, Config.FfnDim, Config.Dim) : t)), 4, 4, seed);

    /// <summary>Two experts (separate LoRAs) on two different random DiTs.</summary>
    public static List<TrainExpert> DualExperts(WanDit high, WanDit low, bool shared = false)
    {
        var adam = new AdamWOptions();
        var h = TrainExpert.Create(ExpertRole.HighNoise, high, Lora(high, 1), adam);
        var l = shared ? h.Sharing(ExpertRole.LowNoise, low) : TrainExpert.Create(ExpertRole.LowNoise, low, Lora(low, 2), adam);
        return [h, l];
    }
}
