using System.Diagnostics;
using System.Text.Json;
using NativeWan.IO;
using NativeWan.IO.SafeTensors;
using NativeWan.Lora;
using NativeWan.Models.Wan;
using Xunit.Abstractions;

namespace NativeWan.Tests.Models.Wan;

/// <summary>
/// The CPU DiT against the official-code golden files (golden README section 1). Every size comes from the files.
/// Tolerances: outputs and intermediates |a−b| ≤ 1e-4·max(1, max|ref|); loss relative 1e-5; gradients per tensor
/// max|a−b| ≤ 1e-4·max|ref|.
/// </summary>
public sealed class WanDitGoldenTests(ITestOutputHelper output)
{
    public static TheoryData<string> Files => new() { "dit_t2v.safetensors", "dit_i2v.safetensors" };

    sealed class Case : IDisposable
    {
        public required SafeTensorsFile Src;
        public required WanDit Dit;
        public required LatentShape Shape;
        public void Dispose() => Src.Dispose();
        public float[] F(string name) => Src.ReadFloat32(name);
        public float[] Cond => Src.Contains("in.y") ? F("in.y") : [];
    }

    static Case Open(string file)
    {
        var src = SafeTensorsFile.Open(Golden.Path(file));
        var dit = WanDit.Load(src);
        var xs = src.Get("in.x").Shape;
        Assert.Equal(4, xs.Length);
        return new Case { Src = src, Dit = dit, Shape = new LatentShape((int)xs[0], (int)xs[1], (int)xs[2], (int)xs[3]) };
    }

    [Theory, MemberData(nameof(Files))]
    public void Config_FromWeights_MatchesMetadata(string file)
    {
        using var c = Open(file);
        var meta = JsonDocument.Parse(c.Src.Metadata["config"]).RootElement;
        var cfg = c.Dit.Config;
        Assert.Equal(meta.GetProperty("model_type").GetString(), cfg.ModelType.ToString().ToLowerInvariant());
        Assert.Equal(meta.GetProperty("dim").GetInt32(), cfg.Dim);
        Assert.Equal(meta.GetProperty("ffn_dim").GetInt32(), cfg.FfnDim);
        Assert.Equal(meta.GetProperty("in_dim").GetInt32(), cfg.InDim);
        Assert.Equal(meta.GetProperty("out_dim").GetInt32(), cfg.OutDim);
        Assert.Equal(meta.GetProperty("num_layers").GetInt32(), cfg.NumLayers);
        Assert.Equal(meta.GetProperty("num_heads").GetInt32(), cfg.NumHeads);
        Assert.Equal(meta.GetProperty("text_len").GetInt32(), cfg.TextLen);
        Assert.Equal(meta.GetProperty("text_dim").GetInt32(), cfg.TextDim);
        Assert.Equal(meta.GetProperty("freq_dim").GetInt32(), cfg.FreqDim);
        var ps = meta.GetProperty("patch_size").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal((ps[0], ps[1], ps[2]), cfg.PatchSize);
        // explicit head size overrides the metadata
        Assert.Equal(cfg.Dim / 16, WanConfig.FromWeights(c.Src, headDim: 16).NumHeads);
        Assert.Throws<ModelFileException>(() => WanConfig.FromWeights(c.Src, headDim: cfg.Dim + 1));
    }

    [Theory, MemberData(nameof(Files))]
    public void Forward_Base_MatchesOutputAndEveryIntermediate(string file)
    {
        using var c = Open(file);
        var seqLen = (int)c.Src.ReadInt64("in.seq_len")[0];
        var taps = new Dictionary<string, float[]>();
        var y = c.Dit.Forward(c.F("in.x"), c.Shape, c.F("in.t")[0], c.F("in.context"), c.Cond, null, seqLen,
            (name, data) => taps[name] = data.ToArray());
        var dbg = c.Src.Tensors.Where(t => t.Name.StartsWith("dbg.")).Select(t => t.Name).ToList();
        Assert.NotEmpty(dbg);
        foreach (var name in dbg)
        {
            Assert.True(taps.TryGetValue(name[4..], out var got), $"no intermediate for {name}");
            var want = c.F(name);
            Assert.True(got.Length >= want.Length, $"{name}: {got.Length} elements, {want.Length} expected");
            CheckOutput(name, got.AsSpan(0, want.Length).ToArray(), want);
        }
        CheckOutput("out.y", y, c.F("out.y"));
    }

    [Theory, MemberData(nameof(Files))]
    public void Forward_WithLora_MatchesGolden(string file)
    {
        using var c = Open(file);
        var lora = NativeWan.Models.Wan.Cuda.GoldenTrainCase.LoadLora(c.Src, c.Dit);
        var y = c.Dit.Forward(c.F("in.x"), c.Shape, c.F("in.t")[0], c.F("in.context"), c.Cond, lora);
        CheckOutput("out.y_lora", y, c.F("out.y_lora"));
        // the LoRA must matter: the base output differs from the LoRA output by far more than the tolerance
        Assert.True(MaxDiff(c.F("out.y"), c.F("out.y_lora")) > 1e-2);
    }

    [Theory, MemberData(nameof(Files))]
    public void Forward_LoraSavedAndReloadedInEitherFormat_GivesIdenticalOutput(string file)
    {
        using var c = Open(file);
        var lora = NativeWan.Models.Wan.Cuda.GoldenTrainCase.LoadLora(c.Src, c.Dit);
        var want = c.Dit.Forward(c.F("in.x"), c.Shape, c.F("in.t")[0], c.F("in.context"), c.Cond, lora);
        var dir = Directory.CreateTempSubdirectory("nw-lora-").FullName;
        try
        {
            foreach (var format in new[] { LoraFormat.Musubi, LoraFormat.Comfy })
            {
                var path = Path.Combine(dir, $"l_{format}.safetensors");
                LoraFile.Save(lora, path, format);
                var back = LoraFile.Load(path).Network;
                back.Multiplier = lora.Multiplier;
                var got = c.Dit.Forward(c.F("in.x"), c.Shape, c.F("in.t")[0], c.F("in.context"), c.Cond, back);
                Assert.Equal(want, got);
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory, MemberData(nameof(Files))]
    public void Forward_SequencePadding_DoesNotChangeOutput(string file)
    {
        using var c = Open(file);
        var lora = NativeWan.Models.Wan.Cuda.GoldenTrainCase.LoadLora(c.Src, c.Dit);
        int L = c.Shape.Frames * c.Shape.Height * c.Shape.Width / 4;
        var a = c.Dit.Forward(c.F("in.x"), c.Shape, c.F("in.t")[0], c.F("in.context"), c.Cond, lora);
        var b = c.Dit.Forward(c.F("in.x"), c.Shape, c.F("in.t")[0], c.F("in.context"), c.Cond, lora, seqLen: L + 70);
        double err = MaxDiff(a, b);
        output.WriteLine($"{file}: padded (+70 tokens) vs unpadded max diff {err:E2}");
        Assert.True(err <= 1e-5 * Math.Max(1, MaxAbs(a)), $"padding changed the output by {err}");
    }

    [Theory, MemberData(nameof(Files))]
    public void TrainStep_MatchesLossAndEveryGradient(string file)
    {
        using var c = Open(file);
        var lora = NativeWan.Models.Wan.Cuda.GoldenTrainCase.LoadLora(c.Src, c.Dit);
        var grads = new LoraGradients(lora);
        var r = Train(c, lora, grads, checkpoint: true);

        CheckOutput("train.x_t", r.XT, c.F("train.x_t"));
        CheckOutput("out.train.pred", r.Prediction, c.F("out.train.pred"));
        float wantLoss = c.F("out.train.loss")[0];
        double lossRel = Math.Abs(r.Loss - wantLoss) / Math.Abs(wantLoss);
        output.WriteLine($"{file}: loss {r.Loss} vs {wantLoss}, rel err {lossRel:E2}");
        Assert.True(lossRel <= 1e-5, $"loss {r.Loss} vs {wantLoss}");

        int checkedTensors = 0;
        double worstRel = 0;
        foreach (var t in c.Src.Tensors.Where(t => t.Name.StartsWith("grad.lora_unet_")))
        {
            var key = t.Name["grad.".Length..];
            var g = grads.Modules.Single(m => key.StartsWith(NativeWan.Models.Wan.Cuda.GoldenTrainCase.LoraKeyOf(m.Module.ModulePath) + ".lora_"));
            var got = key.EndsWith(".lora_down.weight") ? g.DDown : key.EndsWith(".lora_up.weight") ? g.DUp
                : throw new InvalidOperationException(key);
            worstRel = Math.Max(worstRel, CheckGradient(t.Name, got, c.F(t.Name), quiet: true));
            checkedTensors++;
        }
        Assert.Equal(2 * lora.Modules.Count, checkedTensors);
        output.WriteLine($"{file}: {checkedTensors} LoRA gradient tensors, worst max|err|/max|ref| {worstRel:E2}");
        CheckGradient("grad.train.x_t", r.DLossDXt, c.F("grad.train.x_t"));
        CheckGradient("grad.train.x0", r.DLossDX0, c.F("grad.train.x0"));

        // wall and CPU time of one training step of this model (minimum of 10 after the warm-up above; the minimum is
        // the least disturbed by other processes)
        var walls = new List<double>(); var cpus = new List<double>();
        for (int rep = 0; rep < 10; rep++)
        {
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            Train(c, lora, grads, checkpoint: true);
            walls.Add(sw.Elapsed.TotalMilliseconds);
            cpus.Add((Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds);
        }
        walls.Sort(); cpus.Sort();
        output.WriteLine($"{file}: one checkpointed training step, min of 10: {walls[0]:F1} ms wall, {cpus[0]:F0} ms CPU");
    }

    [Theory, MemberData(nameof(Files))]
    public void TrainStep_CheckpointedEqualsKeepAll(string file)
    {
        using var c = Open(file);
        var lora = NativeWan.Models.Wan.Cuda.GoldenTrainCase.LoadLora(c.Src, c.Dit);
        var g1 = new LoraGradients(lora);
        var g2 = new LoraGradients(lora);
        var a = Train(c, lora, g1, checkpoint: true);
        var b = Train(c, lora, g2, checkpoint: false);
        Assert.Equal(a.Loss, b.Loss);
        Assert.Equal(a.Prediction, b.Prediction);
        Assert.Equal(a.DLossDXt, b.DLossDXt);
        Assert.Equal(a.DLossDX0, b.DLossDX0);
        foreach (var m in g1.Modules)
        {
            var other = g2.Find(m.Module.ModulePath)!;
            Assert.Equal(m.DDown, other.DDown);
            Assert.Equal(m.DUp, other.DUp);
            Assert.Contains(m.DUp, v => v != 0);
        }
        // accumulation adds exactly one more step's gradient
        Train(c, lora, g1, checkpoint: true, accumulate: true);
        foreach (var m in g1.Modules)
        {
            var once = g2.Find(m.Module.ModulePath)!;
            for (int j = 0; j < m.DDown.Length; j++) Assert.Equal(2 * once.DDown[j], m.DDown[j], 1e-6f * (1 + Math.Abs(once.DDown[j])));
        }
    }

    static WanTrainStepResult Train(Case c, LoraNetwork lora, LoraGradients grads, bool checkpoint, bool accumulate = false) =>
        c.Dit.TrainStep(c.F("in.train.x0"), c.F("in.train.noise"), c.Shape, c.F("in.train.sigma")[0], c.F("in.train.t")[0],
            c.F("in.context"), lora, grads, c.Cond,
            new WanTrainOptions { GradientCheckpointing = checkpoint, AccumulateGradients = accumulate });

    void CheckOutput(string name, float[] got, float[] want)
    {
        Assert.Equal(want.Length, got.Length);
        double err = MaxDiff(got, want), refMax = MaxAbs(want);
        output.WriteLine($"{name}: max|err| {err:E2} (max|ref| {refMax:F3})");
        Assert.True(err <= 1e-4 * Math.Max(1, refMax), $"{name}: max abs error {err} exceeds 1e-4·max(1, {refMax})");
    }

    double CheckGradient(string name, float[] got, float[] want, bool quiet = false)
    {
        Assert.Equal(want.Length, got.Length);
        double err = MaxDiff(got, want), refMax = MaxAbs(want);
        Assert.True(refMax > 0, $"{name}: reference gradient is all zero");
        if (!quiet) output.WriteLine($"{name}: max|err| {err:E2}, relative to max|ref| {err / refMax:E2}");
        Assert.True(err <= 1e-4 * refMax, $"{name}: max abs error {err} exceeds 1e-4·{refMax}");
        return err / refMax;
    }

    internal static double MaxDiff(float[] a, float[] b)
    {
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs((double)a[i] - b[i]));
        return m;
    }

    internal static double MaxAbs(float[] a)
    {
        double m = 0;
        foreach (var v in a) m = Math.Max(m, Math.Abs((double)v));
        return m;
    }
}
