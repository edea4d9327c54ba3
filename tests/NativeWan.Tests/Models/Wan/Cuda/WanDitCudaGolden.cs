using NativeWan.IO;
using NativeWan.IO.SafeTensors;
using NativeWan.Lora;
using NativeWan.Models.Wan;
using NativeWan.Models.Wan.Cuda;
using NativeWan.Ops.Cuda;
using Xunit.Abstractions;

namespace NativeWan.Tests.Models.Wan.Cuda;

/// <summary>
/// Error budget of the bf16 device step against float32 references, derived from bf16 rounding.
/// </summary>
/// <remarks>
/// <para>One round-to-nearest-even to bf16 (8 significant bits) leaves a relative error uniform within half an ulp;
/// over spread-out mantissas its NMSE is ≈ 2.2·10⁻⁶ (<see cref="NmseThresholds"/>; the kernel verifier measures
/// 2.6·10⁻⁶ per rounding kernel). Independent rounding errors add up in NMSE, so a result that went through R roundings
/// in sequence carries about R·2.2·10⁻⁶ when every one of them reaches it at unit gain.</para>
/// <para>Counting the roundings of the step (bf16 stores and bf16 operands): each block forward rounds about 25 times
/// along its longest chain — LN output, each projection's weights, output and LoRA add (q/k/v/o, cross q/k/v/o,
/// ffn.0/ffn.2), RMSNorm, RoPE, both attention outputs, GELU — and its backward about as many again (the dy of every
/// GEMM, dQ/dK/dV, RMSNorm and GELU gradients); embeddings, head and patch embedding add about 20. Hence
/// R_pred ≈ 20 + 25·layers for the prediction and R_grad ≈ 20 + 50·layers for gradients (the recompute of a
/// checkpointed block is bit-identical to its forward and adds nothing). The budgets allow 4× that (rounding errors
/// are not all independent, and attention and the norms amplify some), which a wrong index, sign, scale or missing term
/// exceeds by orders of magnitude (those give NMSE ≥ 10⁻²).</para>
/// <para>The loss is a mean of squares, so its relative error is far below the NMSE of the prediction's square root;
/// it must be within one bf16 ulp (2⁻⁸ relative).</para>
/// </remarks>
internal static class Bf16Budget
{
    /// <summary>NMSE of one bf16 rounding.</summary>
    public const double PerRounding = 2.2e-6;
    /// <summary>Safety factor over the rounding count.</summary>
    public const double Factor = 4;
    /// <summary>Relative loss tolerance: one bf16 ulp.</summary>
    public const double LossRelative = 1.0 / 256;

    public static double Prediction(int layers) => Factor * PerRounding * (20 + 25 * layers);
    public static double Gradient(int layers) => Factor * PerRounding * (20 + 50 * layers);
}

/// <summary>One golden DiT file opened for a training step: the CPU model, the golden LoRA and the training inputs.</summary>
internal sealed class GoldenTrainCase : IDisposable
{
    public required SafeTensorsFile Src;
    public required WanDit Dit;
    public required LoraNetwork Lora;
    public required LatentShape Shape;
    public required float[] X0, Noise, Context, Cond;
    public required float Sigma, T;

    public static GoldenTrainCase Open(string file)
    {
        var src = SafeTensorsFile.Open(Golden.Path(file));
        try
        {
            var dit = WanDit.Load(src);
            var xs = src.Get("in.train.x0").Shape;
            Assert.Equal(4, xs.Length);
            return new GoldenTrainCase
            {
                Src = src, Dit = dit, Lora = GoldenLoraLoader.Load(src, dit),
                Shape = new LatentShape((int)xs[0], (int)xs[1], (int)xs[2], (int)xs[3]),
                X0 = src.ReadFloat32("in.train.x0"), Noise = src.ReadFloat32("in.train.noise"), Context = src.ReadFloat32("in.context"),
                Cond = src.Contains("in.y") ? src.ReadFloat32("in.y") : [],
                Sigma = src.ReadFloat32("in.train.sigma")[0], T = src.ReadFloat32("in.train.t")[0],
            };
        }
        catch { src.Dispose(); throw; }
    }

    public float[] F(string name) => Src.ReadFloat32(name);

    public int Layers => Dit.Config.NumLayers;

    public WanCudaStepResult Gpu(WanDitCuda dit, LoraGradients grads, WanCudaTrainOptions? options = null) =>
        dit.TrainStep(X0, Noise, Shape, Sigma, T, Context, Lora, grads, Cond,
            options ?? new WanCudaTrainOptions { InputGradients = true, ReturnPrediction = true });

    public WanTrainStepResult Cpu(LoraGradients grads) =>
        Dit.TrainStep(X0, Noise, Shape, Sigma, T, Context, Lora, grads, Cond);

    public void Dispose() => Src.Dispose();
}

/// <summary>Checks one device step against the golden file and the CPU reference, printing the error table.</summary>
internal static class GoldenStepCheck
{
    /// <summary>
    /// Runs the device step (checkpointed, with input gradients) and the CPU step and asserts: loss within one bf16 ulp of
    /// out.train.loss and of the CPU loss; prediction NMSE within <see cref="Bf16Budget.Prediction"/>; every
    /// grad.lora_* tensor, grad.train.x_t and grad.train.x0 within <see cref="Bf16Budget.Gradient"/> of the golden tensor
    /// and of the CPU's. Prints per tensor group the worst NMSE and the worst max|err|/max|ref|.
    /// </summary>
    public static void Run(GoldenTrainCase c, WanDitCuda dit, ITestOutputHelper output, string label)
    {
        var grads = new LoraGradients(c.Lora);
        var r = c.Gpu(dit, grads);
        var cpuGrads = new LoraGradients(c.Lora);
        var cpu = c.Cpu(cpuGrads);
        double predBudget = Bf16Budget.Prediction(c.Layers), gradBudget = Bf16Budget.Gradient(c.Layers);

        float golden = c.F("out.train.loss")[0];
        double relGolden = Math.Abs(r.Loss - golden) / Math.Abs(golden), relCpu = Math.Abs(r.Loss - cpu.Loss) / Math.Abs(cpu.Loss);
        output.WriteLine($"{label}: loss {r.Loss} (golden {golden}, CPU {cpu.Loss}): relative error {relGolden:E2} vs golden, {relCpu:E2} vs CPU (limit {Bf16Budget.LossRelative:E2})");
        Assert.True(relGolden <= Bf16Budget.LossRelative, $"loss {r.Loss} vs golden {golden}: relative error {relGolden:E2}");
        Assert.True(relCpu <= Bf16Budget.LossRelative, $"loss {r.Loss} vs CPU {cpu.Loss}: relative error {relCpu:E2}");

        var failures = new List<string>();
        var rows = new List<(string Group, string Name, ErrorStats Golden, ErrorStats Cpu, double RefMax)>();
        void Check(string group, string name, float[]? got, float[] want, float[] cpuRef, double budget)
        {
            Assert.NotNull(got);
            Assert.Equal(want.Length, got!.Length);
            var g = ErrorMetrics.Compare(got, want);
            var cc = ErrorMetrics.Compare(got, cpuRef);
            double refMax = want.Max(v => Math.Abs((double)v));
            Assert.True(refMax > 0, $"{name}: the reference is all zero");
            rows.Add((group, name, g, cc, refMax));
            if (!(g.Nmse <= budget)) failures.Add($"{name}: NMSE {g.Nmse:E2} vs golden exceeds the bf16 budget {budget:E2}");
            if (!(cc.Nmse <= budget)) failures.Add($"{name}: NMSE {cc.Nmse:E2} vs CPU exceeds the bf16 budget {budget:E2}");
        }

        Check("prediction", "out.train.pred", r.Prediction, c.F("out.train.pred"), cpu.Prediction, predBudget);
        Check("input gradients", "grad.train.x_t", r.DLossDXt, c.F("grad.train.x_t"), cpu.DLossDXt, gradBudget);
        Check("input gradients", "grad.train.x0", r.DLossDX0, c.F("grad.train.x0"), cpu.DLossDX0, gradBudget);
        int tensors = 0;
        foreach (var g in grads.Modules)
        {
            var path = g.Module.ModulePath;
            var key = "grad." + GoldenLoraLoader.KeyOf(path);
            var cg = cpuGrads.Find(path)!;
            string kind = path[(path.IndexOf('.', "blocks.".Length) + 1)..];       // self_attn.q, ffn.0, …
            string group = kind.StartsWith("ffn", StringComparison.Ordinal) ? "ffn" : kind[..kind.IndexOf('.')];
            Check(group + " lora_down", key + ".lora_down.weight", g.DDown, c.F(key + ".lora_down.weight"), cg.DDown, gradBudget);
            Check(group + " lora_up", key + ".lora_up.weight", g.DUp, c.F(key + ".lora_up.weight"), cg.DUp, gradBudget);
            tensors += 2;
        }
        Assert.Equal(c.Src.Tensors.Count(t => t.Name.StartsWith("grad.lora_", StringComparison.Ordinal)), tensors);

        output.WriteLine($"{label}: budgets NMSE ≤ {predBudget:E2} (prediction), ≤ {gradBudget:E2} (gradients); {tensors} LoRA gradient tensors");
        output.WriteLine($"{"group",-20} {"n",3} {"worst NMSE vs golden",21} {"worst NMSE vs CPU",18} {"worst max|err|/max|ref|",24}");
        foreach (var grp in rows.GroupBy(x => x.Group))
            output.WriteLine($"{grp.Key,-20} {grp.Count(),3} {grp.Max(x => x.Golden.Nmse),21:E2} {grp.Max(x => x.Cpu.Nmse),18:E2} {grp.Max(x => x.Golden.MaxAbsError / x.RefMax),24:E2}");
        Assert.True(failures.Count == 0, $"{failures.Count} outputs outside the bf16 budget:\n{string.Join("\n", failures)}");
    }
}
