using NativeWan.Numerics;

namespace NativeWan.Ops.Cuda;

public static partial class KernelPlans
{
    /// <summary>Kernel file of the LoRA kernels.</summary>
    public const string LoraFile = "lora_linear.cu";

    static void LoraSizes(string op, int rows, int features, int rank, string featuresName)
    {
        Positive(rows, nameof(rows), op); Positive(features, featuresName, op); Positive(rank, nameof(rank), op);
    }

    /// <summary><c>nw_lora_down_bf16</c>: mid[rows, rank] = x·Aᵀ (fp32, =), A = lora_down [rank, inF] bf16.</summary>
    public static KernelCall LoraDown(GpuTensor mid, GpuTensor x, GpuTensor loraDown, int rows, int inF, int rank)
    {
        const string op = nameof(LoraDown);
        LoraSizes(op, rows, inF, rank, nameof(inF));
        Need(mid, (long)rows * rank, nameof(mid), op, DType.F32); Need(x, (long)rows * inF, nameof(x), op, DType.BF16);
        Need(loraDown, (long)rank * inF, nameof(loraDown), op, DType.BF16);
        var c = new KernelCall(LoraFile, "nw_lora_down_bf16", LaunchShapes.Gemm(rows, rank, inF, false).Grid, LaunchShapes.GemmBlock);
        c.Ptr(mid); c.Ptr(x); c.Ptr(loraDown); c.I32(rows); c.I32(inF); c.I32(rank);
        return c;
    }

    /// <summary>
    /// <c>nw_lora_up_{bf16|f32}</c> (dtype of y): y[rows, outF] += scale·mid·Bᵀ, B = lora_up [outF, rank] bf16 — added in
    /// one read-modify-write pass onto the base GEMM's output.
    /// </summary>
    public static KernelCall LoraUp(GpuTensor y, GpuTensor mid, GpuTensor loraUp, int rows, int outF, int rank, float scale)
    {
        const string op = nameof(LoraUp);
        LoraSizes(op, rows, outF, rank, nameof(outF));
        Need(y, (long)rows * outF, nameof(y), op, DType.BF16, DType.F32); Need(mid, (long)rows * rank, nameof(mid), op, DType.F32);
        Need(loraUp, (long)outF * rank, nameof(loraUp), op, DType.BF16);
        var c = new KernelCall(LoraFile, $"nw_lora_up_{Suffix(y.DType)}", LaunchShapes.Gemm(rows, outF, rank, false).Grid, LaunchShapes.GemmBlock);
        c.Ptr(y); c.Ptr(mid); c.Ptr(loraUp); c.I32(rows); c.I32(outF); c.I32(rank); c.F32(scale);
        return c;
    }

    /// <summary><c>nw_lora_dmid_bf16</c>: dmid[rows, rank] = scale·dy·B (fp32, =).</summary>
    public static KernelCall LoraDMid(GpuTensor dmid, GpuTensor dy, GpuTensor loraUp, int rows, int outF, int rank, float scale)
    {
        const string op = nameof(LoraDMid);
        LoraSizes(op, rows, outF, rank, nameof(outF));
        Need(dmid, (long)rows * rank, nameof(dmid), op, DType.F32); Need(dy, (long)rows * outF, nameof(dy), op, DType.BF16);
        Need(loraUp, (long)outF * rank, nameof(loraUp), op, DType.BF16);
        var c = new KernelCall(LoraFile, "nw_lora_dmid_bf16", LaunchShapes.Gemm(rows, rank, outF, false).Grid, LaunchShapes.GemmBlock);
        c.Ptr(dmid); c.Ptr(dy); c.Ptr(loraUp); c.I32(rows); c.I32(outF); c.I32(rank); c.F32(scale);
        return c;
    }

    /// <summary><c>nw_lora_grad_down_bf16</c>: dA[rank, inF] += dmidᵀ·x (fp32 parameter gradient, split over rows, atomics).</summary>
    public static KernelCall LoraGradDown(GpuTensor dLoraDown, GpuTensor dmid, GpuTensor x, int rows, int inF, int rank)
    {
        const string op = nameof(LoraGradDown);
        LoraSizes(op, rows, inF, rank, nameof(inF));
        Need(dLoraDown, (long)rank * inF, nameof(dLoraDown), op, DType.F32); Need(dmid, (long)rows * rank, nameof(dmid), op, DType.F32);
        Need(x, (long)rows * inF, nameof(x), op, DType.BF16);
        var (grid, perSplit) = LaunchShapes.Gemm(rank, inF, rows, true);
        var c = new KernelCall(LoraFile, "nw_lora_grad_down_bf16", grid, LaunchShapes.GemmBlock);
        c.Ptr(dLoraDown); c.Ptr(dmid); c.Ptr(x); c.I32(rows); c.I32(inF); c.I32(rank); c.I32(perSplit);
        return c;
    }

    /// <summary><c>nw_lora_grad_up_bf16</c>: dB[outF, rank] += scale·dyᵀ·mid (fp32 parameter gradient, split over rows, atomics).</summary>
    public static KernelCall LoraGradUp(GpuTensor dLoraUp, GpuTensor dy, GpuTensor mid, int rows, int outF, int rank, float scale)
    {
        const string op = nameof(LoraGradUp);
        LoraSizes(op, rows, outF, rank, nameof(outF));
        Need(dLoraUp, (long)outF * rank, nameof(dLoraUp), op, DType.F32); Need(dy, (long)rows * outF, nameof(dy), op, DType.BF16);
        Need(mid, (long)rows * rank, nameof(mid), op, DType.F32);
        var (grid, perSplit) = LaunchShapes.Gemm(outF, rank, rows, true);
        var c = new KernelCall(LoraFile, "nw_lora_grad_up_bf16", grid, LaunchShapes.GemmBlock);
        c.Ptr(dLoraUp); c.Ptr(dy); c.Ptr(mid); c.I32(rows); c.I32(outF); c.I32(rank); c.F32(scale); c.I32(perSplit);
        return c;
    }

    /// <summary>
    /// <c>nw_lora_grad_input_{bf16|f32}</c> (dtype of dx): dx[rows, inF] (= or +=) dmid·A — the adapter's share of the input
    /// gradient, added onto the base dy·W when <paramref name="accumulate"/>.
    /// </summary>
    public static KernelCall LoraGradInput(GpuTensor dx, GpuTensor dmid, GpuTensor loraDown, int rows, int inF, int rank, bool accumulate)
    {
        const string op = nameof(LoraGradInput);
        LoraSizes(op, rows, inF, rank, nameof(inF));
        Need(dx, (long)rows * inF, nameof(dx), op, DType.BF16, DType.F32); Need(dmid, (long)rows * rank, nameof(dmid), op, DType.F32);
        Need(loraDown, (long)rank * inF, nameof(loraDown), op, DType.BF16);
        var c = new KernelCall(LoraFile, $"nw_lora_grad_input_{Suffix(dx.DType)}", LaunchShapes.Gemm(rows, inF, rank, false).Grid, LaunchShapes.GemmBlock);
        c.Ptr(dx); c.Ptr(dmid); c.Ptr(loraDown); c.I32(rows); c.I32(inF); c.I32(rank); c.I32(accumulate ? 1 : 0);
        return c;
    }
}
