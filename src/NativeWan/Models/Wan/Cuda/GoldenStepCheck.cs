using System.Globalization;
using System.Text;
using NativeWan.Lora;
using NativeWan.Numerics;
using NativeWan.Ops.Cuda;

namespace NativeWan.Models.Wan.Cuda;

/// <summary>One output of the device step compared with the golden tensor (and optionally the CPU step).</summary>
/// <param name="Group">Table group: "prediction", "input gradients", "self_attn lora_down", "ffn lora_up", …</param>
/// <param name="Name">Golden tensor name ("out.train.pred", "grad.lora_unet_blocks_0_ffn_0.lora_up.weight").</param>
/// <param name="Golden">Device result vs the golden tensor.</param>
/// <param name="Cpu">Device result vs the CPU step; null when the CPU step was not run.</param>
/// <param name="ReferenceMax">max |golden| (0 means a degenerate reference, which fails).</param>
/// <param name="Budget">NMSE budget (<see cref="Bf16Budget"/>).</param>
public sealed record GoldenTensorError(string Group, string Name, ErrorStats Golden, ErrorStats? Cpu, double ReferenceMax, double Budget)
{
    /// <summary>Within the budget against the golden tensor (and the CPU result when compared), with a nonzero reference.</summary>
    public bool Passed => ReferenceMax > 0 && Golden.Nmse <= Budget && (Cpu is not { } c || c.Nmse <= Budget);
}

/// <summary>
/// Result of <see cref="GoldenStepCheck.Run"/>: the device step's loss and every compared tensor, with the budgets.
/// </summary>
/// <param name="File">Golden file name.</param>
/// <param name="Config">The DiT configuration.</param>
/// <param name="Shape">The latent shape.</param>
/// <param name="Loss">Device loss.</param>
/// <param name="GoldenLoss"><c>out.train.loss</c>.</param>
/// <param name="CpuLoss">CPU step loss, or null.</param>
/// <param name="PredictionBudget">NMSE budget of the prediction.</param>
/// <param name="GradientBudget">NMSE budget of every gradient.</param>
/// <param name="Tensors">Prediction, the two input gradients, then the LoRA gradients (down, up per module, module order).</param>
/// <param name="GoldenLoraGradientTensors">Number of <c>grad.lora_*</c> tensors in the file (each must be compared).</param>
public sealed record GoldenStepReport(string File, WanConfig Config, LatentShape Shape, float Loss, float GoldenLoss, float? CpuLoss,
    double PredictionBudget, double GradientBudget, IReadOnlyList<GoldenTensorError> Tensors, int GoldenLoraGradientTensors)
{
    /// <summary>|loss − golden| / |golden|.</summary>
    public double LossErrorVsGolden => ErrorMetrics.MaxRelativeError([Loss], [GoldenLoss]);
    /// <summary>|loss − cpu| / |cpu|, or null.</summary>
    public double? LossErrorVsCpu => CpuLoss is { } c ? ErrorMetrics.MaxRelativeError([Loss], [c]) : null;

    /// <summary>LoRA gradient tensors compared.</summary>
    public int LoraGradientTensors => Tensors.Count(t => t.Name.StartsWith("grad.lora_", StringComparison.Ordinal));

    /// <summary>One line per problem: loss beyond one bf16 ulp, a tensor beyond its budget, an uncompared LoRA gradient.</summary>
    public IReadOnlyList<string> Failures()
    {
        var f = new List<string>();
        if (!(LossErrorVsGolden <= Bf16Budget.LossRelative))
            f.Add($"loss {Loss} vs golden {GoldenLoss}: relative error {LossErrorVsGolden:E2} > {Bf16Budget.LossRelative:E2}");
        if (LossErrorVsCpu is { } rc && !(rc <= Bf16Budget.LossRelative))
            f.Add($"loss {Loss} vs CPU {CpuLoss}: relative error {rc:E2} > {Bf16Budget.LossRelative:E2}");
        foreach (var t in Tensors)
        {
            if (!(t.ReferenceMax > 0)) f.Add($"{t.Name}: the golden tensor is all zero");
            if (!(t.Golden.Nmse <= t.Budget)) f.Add($"{t.Name}: NMSE {t.Golden.Nmse:E2} vs golden exceeds the bf16 budget {t.Budget:E2}");
            if (t.Cpu is { } c && !(c.Nmse <= t.Budget)) f.Add($"{t.Name}: NMSE {c.Nmse:E2} vs CPU exceeds the bf16 budget {t.Budget:E2}");
        }
        if (LoraGradientTensors != GoldenLoraGradientTensors)
            f.Add($"{LoraGradientTensors} LoRA gradient tensors compared but the file holds {GoldenLoraGradientTensors}");
        return f;
    }

    /// <summary>True when <see cref="Failures"/> is empty.</summary>
    public bool Passed => Failures().Count == 0;

    /// <summary>
    /// The verify-kernels rows, against the golden file: the loss (relative error, threshold one bf16 ulp), then per
    /// group the worst tensor (NMSE against the group's budget; max|err| the largest in the group).
    /// </summary>
    /// <param name="family">Family column ("dit-golden").</param>
    public IReadOnlyList<VerifyRow> ToRows(string family = DitStepVerifier.GoldenFamily)
    {
        const string op = "WanDitCuda.TrainStep";
        string shape = ShapeText;
        var rows = new List<VerifyRow>
        {
            VerifyRow.Relative(family, op, shape, "loss", DType.F32, [Loss], [GoldenLoss], Bf16Budget.LossRelative),
        };
        foreach (var g in Tensors.GroupBy(t => t.Group))
        {
            var worst = g.MaxBy(t => double.IsNaN(t.Golden.Nmse) ? double.PositiveInfinity : t.Golden.Nmse)!;
            int n = g.Count();
            var stats = new ErrorStats(worst.Golden.Nmse, g.Max(t => t.Golden.MaxAbsError), g.Sum(t => t.Golden.Count), g.Sum(t => t.Golden.NonFinite));
            string output = n == 1 ? worst.Name : $"{g.Key} (worst of {n})";
            string? error = g.FirstOrDefault(t => !(t.ReferenceMax > 0)) is { } z ? $"{z.Name}: the golden tensor is all zero" : null;
            rows.Add(new VerifyRow(family, op, shape, output, DType.F32, stats, worst.Budget, error));
        }
        if (LoraGradientTensors != GoldenLoraGradientTensors)
            rows.Add(VerifyRow.Failed(family, op, shape, $"{LoraGradientTensors} LoRA gradient tensors compared but the file holds {GoldenLoraGradientTensors}"));
        return rows;
    }

    /// <summary>"dit_t2v layers=2 dim=64 latent=16x3x8x8" (ASCII, for the table).</summary>
    public string ShapeText =>
        $"{Path.GetFileNameWithoutExtension(File)} layers={Config.NumLayers} dim={Config.Dim} latent={Shape.Channels}x{Shape.Frames}x{Shape.Height}x{Shape.Width}";

    /// <summary>A text table: per group the tensor count, the worst NMSE against golden and CPU, and the worst max|err|/max|ref|.</summary>
    public string FormatGroups()
    {
        var sb = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        sb.AppendLine(ci, $"{"group",-20} {"n",3} {"worst NMSE vs golden",21} {"worst NMSE vs CPU",18} {"worst max|err|/max|ref|",24}");
        foreach (var g in Tensors.GroupBy(t => t.Group))
            sb.AppendLine(ci, $"{g.Key,-20} {g.Count(),3} {g.Max(t => t.Golden.Nmse),21:E2} {(g.All(t => t.Cpu is not null) ? g.Max(t => t.Cpu!.Value.Nmse).ToString("E2", ci) : "-"),18} {g.Max(t => t.Golden.MaxAbsError / t.ReferenceMax),24:E2}");
        return sb.ToString();
    }
}

/// <summary>
/// Checks one device training step (<see cref="WanDitCuda.TrainStep"/>) against a golden DiT file and, optionally, the
/// float32 CPU step, within the bf16 budgets of <see cref="Bf16Budget"/>. Returns the measurements; the caller decides
/// (tests assert on <see cref="GoldenStepReport.Failures"/>, verify-kernels prints <see cref="GoldenStepReport.ToRows"/>).
/// </summary>
public static class GoldenStepCheck
{
    /// <summary>
    /// Runs the device step (checkpointed, with input gradients and the prediction) and, when
    /// <paramref name="compareWithCpu"/>, the CPU step, and compares: the loss with <c>out.train.loss</c>; the prediction
    /// (<c>out.train.pred</c>, prediction budget); <c>grad.train.x_t</c>, <c>grad.train.x0</c> and every
    /// <c>grad.lora_*</c> tensor (gradient budget).
    /// </summary>
    /// <param name="c">The golden case.</param>
    /// <param name="dit">The device model of <c>c.Dit</c>'s weights.</param>
    /// <param name="compareWithCpu">Also run the float32 CPU step and compare with it.</param>
    /// <exception cref="IO.ModelFileException">A golden tensor is missing.</exception>
    /// <exception cref="InvalidDataException">A golden tensor's size differs from the device result's.</exception>
    public static GoldenStepReport Run(GoldenTrainCase c, WanDitCuda dit, bool compareWithCpu = true)
    {
        ArgumentNullException.ThrowIfNull(c); ArgumentNullException.ThrowIfNull(dit);
        var grads = new LoraGradients(c.Lora);
        var r = c.Gpu(dit, grads);
        LoraGradients? cpuGrads = null;
        WanTrainStepResult? cpu = null;
        if (compareWithCpu)
        {
            cpuGrads = new LoraGradients(c.Lora);
            cpu = c.Cpu(cpuGrads);
        }
        double predBudget = Bf16Budget.Prediction(c.Layers), gradBudget = Bf16Budget.Gradient(c.Layers);

        var rows = new List<GoldenTensorError>();
        void Check(string group, string name, float[]? got, float[]? cpuRef, double budget)
        {
            var want = c.F(name);
            if (got is null) throw new InvalidOperationException($"the device step returned no result for {name}");
            if (want.Length != got.Length)
                throw new InvalidDataException($"{c.Name}: {name} has {want.Length} values but the device step produced {got.Length}");
            double refMax = 0;
            foreach (var v in want) refMax = Math.Max(refMax, Math.Abs((double)v));
            rows.Add(new GoldenTensorError(group, name, ErrorMetrics.Compare(got, want), cpuRef is null ? null : ErrorMetrics.Compare(got, cpuRef), refMax, budget));
        }

        Check("prediction", "out.train.pred", r.Prediction, cpu?.Prediction, predBudget);
        Check("input gradients", "grad.train.x_t", r.DLossDXt, cpu?.DLossDXt, gradBudget);
        Check("input gradients", "grad.train.x0", r.DLossDX0, cpu?.DLossDX0, gradBudget);
        foreach (var g in grads.Modules)
        {
            var path = g.Module.ModulePath;
            var key = "grad." + GoldenTrainCase.LoraKeyOf(path);
            var cg = cpuGrads?.Find(path);
            string group = GroupOf(path);
            Check(group + " lora_down", key + ".lora_down.weight", g.DDown, cg?.DDown, gradBudget);
            Check(group + " lora_up", key + ".lora_up.weight", g.DUp, cg?.DUp, gradBudget);
        }
        int inFile = c.Src.Tensors.Count(t => t.Name.StartsWith("grad.lora_", StringComparison.Ordinal));
        return new GoldenStepReport(c.Name, c.Dit.Config, c.Shape, r.Loss, Scalar(c, "out.train.loss"), cpu?.Loss,
            predBudget, gradBudget, rows, inFile);
    }

    /// <summary>"self_attn", "cross_attn" or "ffn" for a block module path ("blocks.3.ffn.0" → "ffn").</summary>
    public static string GroupOf(string modulePath)
    {
        ArgumentNullException.ThrowIfNull(modulePath);
        var parts = modulePath.Split('.');
        return parts.Length >= 3 && parts[0] == "blocks" ? parts[2] : modulePath;
    }

    static float Scalar(GoldenTrainCase c, string name)
    {
        var v = c.F(name);
        if (v.Length != 1) throw new InvalidDataException($"{c.Name}: {name} has {v.Length} values where one scalar was expected");
        return v[0];
    }
}
