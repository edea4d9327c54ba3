using System.Text.Json;
using NativeWan.IO;
using NativeWan.IO.SafeTensors;
using NativeWan.Lora;
using NativeWan.Models.Wan;

namespace NativeWan.Tests.Training;

/// <summary><c>nativewan train</c> end to end on tiny random DiTs and a tiny cached dataset (3 images × 2 repeats).</summary>
public class TrainCommandTests
{
    static Dictionary<string, byte[]> TensorBytes(string path)
    {
        using var f = SafeTensorsFile.Open(path);
        return f.Tensors.ToDictionary(t => t.Name, t => { var b = new byte[t.ByteLength]; f.ReadBytes(t, b); return b; });
    }

    static List<JsonElement> Metrics(string path) =>
        File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    [Fact]
    public void TwoExpertsGiveHighAndLowNoiseLorasThatLoadAndPassTheKeyCheck()
    {
        using var ws = new TrainWorkspace();
        var (code, output) = TrainWorkspace.Run(ws.Options(5, extra: o => { o.SaveEveryNSteps = "2"; o.LoraFormat = "both"; }));
        Assert.True(code == 0, output);
        Assert.Contains("training plan", output);
        Assert.Contains("32x32x1", output);

        var metrics = Metrics(Path.Combine(ws.Output, "tiny_metrics.jsonl"));
        var steps = metrics.Where(m => m.TryGetProperty("loss", out _)).ToList();
        Assert.Equal([1, 2, 3, 4, 5], steps.Select(m => m.GetProperty("step").GetInt32()));
        Assert.Equal(2, metrics.Count(m => m.TryGetProperty("eval_loss", out _)));
        foreach (var m in steps)
        {
            Assert.True(double.IsFinite(m.GetProperty("loss").GetDouble()) && m.GetProperty("loss").GetDouble() > 0);
            Assert.Equal(2, m.GetProperty("timesteps").GetArrayLength()); // gradient_accumulation_steps = 2
            var expert = m.GetProperty("expert").GetString();
            Assert.Contains(expert, new[] { "high_noise", "low_noise" });
            Assert.All(m.GetProperty("timesteps").EnumerateArray(), t => Assert.Equal(expert == "high_noise", t.GetDouble() >= 875));
            Assert.True(m.GetProperty("grad_norm").GetDouble() > 0);
            Assert.True(m.GetProperty("seconds").GetDouble() >= 0);
            Assert.InRange(m.GetProperty("epoch").GetInt32(), 1, 2);
        }
        Assert.Equal(0.0, steps[0].GetProperty("lr").GetDouble()); // warmup: step 0 has lr 0
        // an expert changes iff it was trained at a step with lr > 0 (the LoRA up matrices start at zero)
        var trained = steps.Skip(1).Select(m => m.GetProperty("expert").GetString()).ToHashSet();

        var model = LoraKeyCheck.ModelModules(TensorFiles.Open(ws.DitLow));
        foreach (var expert in new[] { "high_noise", "low_noise" })
        {
            foreach (var file in new[] { $"tiny_{expert}.safetensors", $"tiny_{expert}_comfy.safetensors",
                         $"tiny-step00000002_{expert}.safetensors", $"tiny-step00000004_{expert}_comfy.safetensors" })
            {
                var path = Path.Combine(ws.Output, file);
                var lora = LoraFile.Load(path, new LoraLoadOptions { ModelModules = model.ToArray(), Strict = true });
                Assert.Equal(file.Contains("comfy") ? LoraFormat.Comfy : LoraFormat.Musubi, lora.Format);
                Assert.Equal(20, lora.Network.Count);
                Assert.All(lora.Network.Modules, m => Assert.Equal((4, 4f), (m.Rank, m.Alpha)));
                using var src = TensorFiles.Open(path);
                Assert.Empty(LoraKeyCheck.Check(src, TensorFiles.Open(ws.DitLow)));
                Assert.Equal(expert, lora.Metadata["nativewan_expert"]);
            }
            var final = LoraFile.Load(Path.Combine(ws.Output, $"tiny_{expert}.safetensors"));
            bool changed = final.Network.Modules.Any(m => m.Up.Any(v => v != 0));
            Assert.Equal(trained.Contains(expert), changed);
            var md = final.Metadata;
            Assert.Equal("networks.lora_wan", md["ss_network_module"]);
            Assert.Equal("4", md["ss_network_dim"]);
            Assert.Equal("4.0", md["ss_network_alpha"]);
            Assert.Equal("0.001", md["ss_learning_rate"]);
            Assert.Equal("cosine", md["ss_lr_scheduler"]);
            Assert.Equal("5", md["ss_max_train_steps"]);
            Assert.Equal("5", md["ss_steps"]);
            Assert.Equal("2", md["ss_epoch"]); // 10 items of 6 per epoch
            Assert.Equal("7", md["ss_seed"]);
            Assert.Equal("shift", md["ss_timestep_sampling"]);
            Assert.Equal("3.0", md["ss_discrete_flow_shift"]);
            Assert.Equal(("0", "1000"), (md["ss_min_timestep"], md["ss_max_timestep"]));
            Assert.Equal("wan", md["ss_base_model_version"]);
            Assert.Equal("6", md["ss_num_train_items"]);
            Assert.Contains("\"num_repeats\": 2", md["ss_datasets"]);
            Assert.Contains("\"resolution\": [32, 32, 1], \"count\": 6", md["ss_bucket_info"]);
            Assert.Equal("t2v-A14B", md["nativewan_task"]);
        }
        Assert.False(File.Exists(Path.Combine(ws.Output, "tiny-state.safetensors"))); // no --save_state
    }

    [Fact]
    public void InterruptedAndResumedRunIsBitIdenticalToAnUninterruptedOne()
    {
        using var ws = new TrainWorkspace();
        const int n = 6, k = 3;
        var (c1, o1) = TrainWorkspace.Run(ws.Options(n, "full"));
        Assert.True(c1 == 0, o1);

        using var cts = new CancellationTokenSource();
        var (c2, o2) = TrainWorkspace.Run(ws.Options(n, "part"), cts.Token, p => { if (p.Step == k) cts.Cancel(); });
        Assert.True(c2 == 130, o2);
        var state = Path.Combine(ws.Output, "part-state.safetensors");
        Assert.True(File.Exists(state));
        Assert.True(File.Exists(Path.Combine(ws.Output, $"part-step{k:D8}_high_noise.safetensors")));
        Assert.False(File.Exists(Path.Combine(ws.Output, "part_high_noise.safetensors")));
        Assert.Equal(k, Metrics(Path.Combine(ws.Output, "part_metrics.jsonl")).Count(m => m.TryGetProperty("loss", out _)));

        var (c3, o3) = TrainWorkspace.Run(ws.Options(n, "part", o => { o.Resume = state; o.Seed = null; }));
        Assert.True(c3 == 0, o3);
        Assert.Contains($"resumed from {state} at step {k}", o3);
        foreach (var suffix in new[] { "_high_noise", "_low_noise" })
        {
            var a = TensorBytes(Path.Combine(ws.Output, $"full{suffix}.safetensors"));
            var b = TensorBytes(Path.Combine(ws.Output, $"part{suffix}.safetensors"));
            Assert.Equal(a.Keys.Order(), b.Keys.Order());
            foreach (var (name, bytes) in a) Assert.True(bytes.AsSpan().SequenceEqual(b[name]), name);
        }
        // the metrics log continues: steps 1..n once each, losses equal to the uninterrupted run's
        var full = Metrics(Path.Combine(ws.Output, "full_metrics.jsonl")).Where(m => m.TryGetProperty("loss", out _)).ToList();
        var part = Metrics(Path.Combine(ws.Output, "part_metrics.jsonl")).Where(m => m.TryGetProperty("loss", out _)).ToList();
        Assert.Equal(Enumerable.Range(1, n), part.Select(m => m.GetProperty("step").GetInt32()));
        Assert.Equal(full.Select(m => m.GetProperty("loss").GetDouble()), part.Select(m => m.GetProperty("loss").GetDouble()));

        // a different seed than the state's is refused
        var (c4, o4) = TrainWorkspace.Run(ws.Options(n, "part", o => { o.Resume = state; o.Seed = "8"; }));
        Assert.Equal(1, c4);
        Assert.Contains("--seed 8 differs from the seed 7", o4);
    }

    [Fact]
    public void SharedLoraAndSingleExpertRuns()
    {
        using var ws = new TrainWorkspace(items: 2, repeats: 1);
        var (c1, o1) = TrainWorkspace.Run(ws.Options(2, "shared", o => { o.SharedLora = true; o.SavePrecision = "bf16"; }));
        Assert.True(c1 == 0, o1);
        var shared = LoraFile.Load(Path.Combine(ws.Output, "shared.safetensors"));
        Assert.Equal("both", shared.Metadata["nativewan_expert"]);
        Assert.False(File.Exists(Path.Combine(ws.Output, "shared_high_noise.safetensors")));
        using (var f = SafeTensorsFile.Open(Path.Combine(ws.Output, "shared.safetensors")))
            Assert.Equal(NativeWan.Numerics.DType.BF16, f.Tensors.First(t => t.Name.EndsWith("lora_down.weight")).DType);

        // one DiT trained on the high-noise window only
        var (c2, o2) = TrainWorkspace.Run(ws.Options(2, "single", o => { o.DitHighNoise = null; o.Dit = ws.DitHigh; o.MinTimestep = "875"; }));
        Assert.True(c2 == 0, o2);
        var single = LoraFile.Load(Path.Combine(ws.Output, "single.safetensors"));
        Assert.Equal("high_noise", single.Metadata["nativewan_expert"]);
        Assert.Equal("875,1000", single.Metadata["modelspec.timestep_range"]);
        var steps = Metrics(Path.Combine(ws.Output, "single_metrics.jsonl")).Where(m => m.TryGetProperty("loss", out _));
        Assert.All(steps, m => Assert.All(m.GetProperty("timesteps").EnumerateArray(), t => Assert.True(t.GetDouble() >= 875)));
    }

    [Fact]
    public void TaskThatDoesNotFitTheDitNamesTheFile()
    {
        using var ws = new TrainWorkspace(items: 1);
        var (code, output) = TrainWorkspace.Run(ws.Options(2, extra: o => o.Task = "i2v-A14B"));
        Assert.Equal(1, code);
        Assert.Contains($"error: {ws.DitLow}: this DiT has in_dim 16", output);
        Assert.Contains("needs in_dim 36", output);
        Assert.Contains("use --task t2v-A14B", output);
    }

    [Fact]
    public void MissingCachesTellWhichCommandToRun()
    {
        using var ws = new TrainWorkspace(items: 2, cache: false);
        var (code, output) = TrainWorkspace.Run(ws.Options(2));
        Assert.Equal(1, code);
        Assert.Contains("2 of 2 items have no latent cache", output);
        Assert.Contains(Path.Combine(ws.Cache, "img0_0032x0032_wan.safetensors"), output);
        Assert.Contains("nativewan cache-latents", output);
        Assert.Contains("nativewan cache-text", output);
        Assert.False(Directory.Exists(ws.Output));
    }

    [Fact]
    public void ImageToVideoRunTrainsWithTheImageLatent()
    {
        var i2v = TinyWan.Config with { ModelType = WanModelType.I2V, InDim = 36 };
        using var ws = new TrainWorkspace(items: 2, repeats: 1, imageLatent: true, config: i2v);
        var (code, output) = TrainWorkspace.Run(ws.Options(3, "i2v", o => o.Task = "i2v-A14B"));
        Assert.True(code == 0, output);
        Assert.Contains("boundary 0.9:", output); // the task's default boundary
        var steps = Metrics(Path.Combine(ws.Output, "i2v_metrics.jsonl")).Where(m => m.TryGetProperty("loss", out _)).ToList();
        Assert.All(steps, m => Assert.All(m.GetProperty("timesteps").EnumerateArray(),
            t => Assert.Equal(m.GetProperty("expert").GetString() == "high_noise", t.GetDouble() >= 900)));
        Assert.Equal("0.9", LoraFile.Load(Path.Combine(ws.Output, "i2v_low_noise.safetensors")).Metadata["nativewan_timestep_boundary"]);
    }

    [Fact]
    public void NetworkWeightsInitializeTheLora()
    {
        using var ws = new TrainWorkspace(items: 2, repeats: 1);
        var (c1, o1) = TrainWorkspace.Run(ws.Options(4, "first", o => { o.SharedLora = true; o.LrWarmupSteps = null; o.LrScheduler = "constant"; }));
        Assert.True(c1 == 0, o1);
        var first = Path.Combine(ws.Output, "first.safetensors");
        // learning rate 0: AdamW leaves the weights untouched, so the output must equal the initial weights exactly
        var (c2, o2) = TrainWorkspace.Run(ws.Options(2, "second", o => { o.SharedLora = true; o.NetworkWeights = first; o.LearningRate = "0"; }));
        Assert.True(c2 == 0, o2);
        var a = TensorBytes(first);
        var b = TensorBytes(Path.Combine(ws.Output, "second.safetensors"));
        Assert.Contains(a.Keys, k => k.EndsWith("lora_up.weight") && a[k].Any(x => x != 0));
        foreach (var (name, bytes) in a) Assert.True(bytes.AsSpan().SequenceEqual(b[name]), name);
        // a rank that does not fit is refused with the file named
        var (c3, o3) = TrainWorkspace.Run(ws.Options(1, "third", o => { o.SharedLora = true; o.NetworkWeights = first; o.NetworkDim = "8"; }));
        Assert.Equal(1, c3);
        Assert.Contains(first, o3);
        Assert.Contains("needs rank 8", o3);
    }

    [Fact]
    public void EpochsSetTheLengthAndTheEpochSaves()
    {
        using var ws = new TrainWorkspace(items: 2, repeats: 1);
        var (code, output) = TrainWorkspace.Run(ws.Options(999, "ep", o =>
        {
            o.MaxTrainEpochs = "3"; o.GradientAccumulationSteps = "1"; o.SaveEveryNEpochs = "1"; o.SaveState = true; o.SharedLora = true;
        }));
        Assert.True(code == 0, output);
        Assert.Contains("6 optimizer steps (3 epochs of 2 steps)", output);
        var steps = Metrics(Path.Combine(ws.Output, "ep_metrics.jsonl")).Where(m => m.TryGetProperty("loss", out _)).ToList();
        Assert.Equal([1, 1, 2, 2, 3, 3], steps.Select(m => m.GetProperty("epoch").GetInt32()));
        Assert.Equal("1", LoraFile.Load(Path.Combine(ws.Output, "ep-000001.safetensors")).Metadata["ss_epoch"]);
        Assert.Equal("4", LoraFile.Load(Path.Combine(ws.Output, "ep-000002.safetensors")).Metadata["ss_steps"]);
        Assert.True(File.Exists(Path.Combine(ws.Output, "ep-000002-state.safetensors")));
        Assert.False(File.Exists(Path.Combine(ws.Output, "ep-000003.safetensors"))); // the last epoch is the final file
        Assert.Equal("3", LoraFile.Load(Path.Combine(ws.Output, "ep.safetensors")).Metadata["ss_epoch"]);
        Assert.True(File.Exists(Path.Combine(ws.Output, "ep-state.safetensors")));
    }
}
