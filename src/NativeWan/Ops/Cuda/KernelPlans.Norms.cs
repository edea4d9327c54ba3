using NativeWan.Numerics;

namespace NativeWan.Ops.Cuda;

public static partial class KernelPlans
{
    /// <summary>Kernel file of LayerNorm, modulation and the gated residual.</summary>
    public const string LayerNormFile = "layernorm_mod.cu";
    /// <summary>Kernel file of RMSNorm.</summary>
    public const string RmsNormFile = "rmsnorm.cu";

    /// <summary>
    /// <c>nw_layernorm_fwd_{bf16|f32}</c> (dtype of <paramref name="input"/>): LayerNorm over dim fused with the adaLN
    /// modulation, <c>u = (x̂·γ + β)·(1 + scale) + shift</c> (spec 2.6; CPU: LayerNormForward then ModulateForward).
    /// </summary>
    /// <param name="output">u, bf16 [rows, dim]; may alias input when both are bf16.</param>
    /// <param name="mean">fp32 [rows] saved μ, or null.</param>
    /// <param name="rstd">fp32 [rows] saved 1/√(σ²+eps), or null.</param>
    /// <param name="input">x, bf16 or fp32 [rows, dim] (the residual stream).</param>
    /// <param name="weight">γ fp32 [dim], or null (no affine: Wan norm1/norm2/head.norm).</param>
    /// <param name="bias">β fp32 [dim], or null.</param>
    /// <param name="rows">Rows (tokens).</param>
    /// <param name="dim">Row width.</param>
    /// <param name="eps">1e-6 in Wan.</param>
    /// <param name="shift">fp32 modulation shift read at row·modStride, or null.</param>
    /// <param name="scale">fp32 modulation scale read at row·modStride, or null.</param>
    /// <param name="modStride">Row stride of shift/scale in elements: 0 broadcast, dim per row, 6·dim inside e0.</param>
    public static KernelCall LayerNormForward(GpuTensor output, GpuTensor mean, GpuTensor rstd, GpuTensor input, GpuTensor weight,
        GpuTensor bias, int rows, int dim, float eps, GpuTensor shift = default, GpuTensor scale = default, long modStride = 0)
    {
        const string op = nameof(LayerNormForward);
        Positive(rows, nameof(rows), op); Positive(dim, nameof(dim), op);
        long n = (long)rows * dim;
        Need(output, n, nameof(output), op, DType.BF16);
        Need(input, n, nameof(input), op, DType.BF16, DType.F32);
        Optional(mean, rows, nameof(mean), op, DType.F32); Optional(rstd, rows, nameof(rstd), op, DType.F32);
        Optional(weight, dim, nameof(weight), op, DType.F32); Optional(bias, dim, nameof(bias), op, DType.F32);
        RowVector(shift, modStride, rows, dim, nameof(shift), op, false);
        RowVector(scale, modStride, rows, dim, nameof(scale), op, false);
        var c = new KernelCall(LayerNormFile, $"nw_layernorm_fwd_{Suffix(input.DType)}", LaunchShapes.Rows(rows), LaunchShapes.RowBlock);
        c.Ptr(output); c.Ptr(mean); c.Ptr(rstd); c.Ptr(input); c.Ptr(weight); c.Ptr(bias); c.Ptr(shift); c.Ptr(scale);
        c.I64(modStride); c.I32(rows); c.I32(dim); c.F32(eps);
        return c;
    }

    /// <summary>
    /// <c>nw_layernorm_bwd_{bf16|f32}</c>: input gradient of <see cref="LayerNormForward"/> with the modulation folded in
    /// (CPU: ModulateBackward then LayerNormBackward): g = dout·(1+scale)·γ, <c>dx = rstd·(g − mean(g) − x̂·mean(g·x̂))</c>.
    /// </summary>
    /// <param name="dinput">dx, same dtype as input; overwritten, or added to when <paramref name="accumulate"/>.</param>
    /// <param name="dout">du, bf16 [rows, dim] (gradient of the modulated output).</param>
    /// <param name="input">The forward x.</param>
    /// <param name="weight">The forward γ or null.</param>
    /// <param name="mean">Saved μ (required).</param>
    /// <param name="rstd">Saved rstd (required).</param>
    /// <param name="rows">Rows.</param>
    /// <param name="dim">Row width.</param>
    /// <param name="accumulate">dx += instead of =.</param>
    /// <param name="scale">The forward modulation scale or null.</param>
    /// <param name="modStride">As in the forward.</param>
    public static KernelCall LayerNormBackward(GpuTensor dinput, GpuTensor dout, GpuTensor input, GpuTensor weight, GpuTensor mean,
        GpuTensor rstd, int rows, int dim, bool accumulate = false, GpuTensor scale = default, long modStride = 0)
    {
        const string op = nameof(LayerNormBackward);
        Positive(rows, nameof(rows), op); Positive(dim, nameof(dim), op);
        long n = (long)rows * dim;
        Need(dinput, n, nameof(dinput), op, DType.BF16, DType.F32);
        Need(dout, n, nameof(dout), op, DType.BF16);
        Need(input, n, nameof(input), op, DType.BF16, DType.F32);
        SameType(dinput, input, nameof(dinput), nameof(input), op);
        Optional(weight, dim, nameof(weight), op, DType.F32);
        Need(mean, rows, nameof(mean), op, DType.F32); Need(rstd, rows, nameof(rstd), op, DType.F32);
        RowVector(scale, modStride, rows, dim, nameof(scale), op, false);
        var c = new KernelCall(LayerNormFile, $"nw_layernorm_bwd_{Suffix(input.DType)}", LaunchShapes.Rows(rows), LaunchShapes.RowBlock);
        c.Ptr(dinput); c.Ptr(dout); c.Ptr(input); c.Ptr(weight); c.Ptr(scale); c.I64(modStride); c.Ptr(mean); c.Ptr(rstd);
        c.I32(rows); c.I32(dim); c.I32(accumulate ? 1 : 0);
        return c;
    }

    /// <summary>
    /// <c>nw_layernorm_param_grad_{bf16|f32}</c>: <c>dγ += Σ_rows du(1+scale)·x̂</c>, <c>dβ += Σ_rows du(1+scale)</c>
    /// (accumulated with atomics, as the CPU's dweight/dbias).
    /// </summary>
    /// <exception cref="ArgumentException">Both dweight and dbias are null, or as the other builders.</exception>
    public static KernelCall LayerNormParamGrad(GpuTensor dweight, GpuTensor dbias, GpuTensor dout, GpuTensor input, GpuTensor mean,
        GpuTensor rstd, int rows, int dim, GpuTensor scale = default, long modStride = 0)
    {
        const string op = nameof(LayerNormParamGrad);
        Positive(rows, nameof(rows), op); Positive(dim, nameof(dim), op);
        if (dweight.IsNull && dbias.IsNull) throw new ArgumentException($"{op}: dweight and dbias are both null: nothing to compute", nameof(dweight));
        long n = (long)rows * dim;
        Optional(dweight, dim, nameof(dweight), op, DType.F32); Optional(dbias, dim, nameof(dbias), op, DType.F32);
        Need(dout, n, nameof(dout), op, DType.BF16);
        Need(input, n, nameof(input), op, DType.BF16, DType.F32);
        Need(mean, rows, nameof(mean), op, DType.F32); Need(rstd, rows, nameof(rstd), op, DType.F32);
        RowVector(scale, modStride, rows, dim, nameof(scale), op, false);
        var (grid, chunk) = LaunchShapes.ColumnReduction(rows, dim);
        var c = new KernelCall(LayerNormFile, $"nw_layernorm_param_grad_{Suffix(input.DType)}", grid, LaunchShapes.ColumnBlock);
        c.Ptr(dweight); c.Ptr(dbias); c.Ptr(dout); c.Ptr(input); c.Ptr(scale); c.I64(modStride); c.Ptr(mean); c.Ptr(rstd);
        c.I32(rows); c.I32(dim); c.I32(chunk);
        return c;
    }

    /// <summary><c>nw_modulate_fwd_bf16</c>: <c>out = in·(1 + scale) + shift</c> (CPU ModulateForward).</summary>
    public static KernelCall ModulateForward(GpuTensor output, GpuTensor input, GpuTensor shift, GpuTensor scale, int rows, int dim, long modStride = 0)
    {
        const string op = nameof(ModulateForward);
        Positive(rows, nameof(rows), op); Positive(dim, nameof(dim), op);
        long n = (long)rows * dim;
        Need(output, n, nameof(output), op, DType.BF16); Need(input, n, nameof(input), op, DType.BF16);
        RowVector(shift, modStride, rows, dim, nameof(shift), op, true);
        RowVector(scale, modStride, rows, dim, nameof(scale), op, true);
        var c = new KernelCall(LayerNormFile, "nw_modulate_fwd_bf16", LaunchShapes.Rows(rows), LaunchShapes.RowBlock);
        c.Ptr(output); c.Ptr(input); c.Ptr(shift); c.Ptr(scale); c.I64(modStride); c.I32(rows); c.I32(dim);
        return c;
    }

    /// <summary><c>nw_modulate_bwd_bf16</c>: <c>din = dout·(1 + scale)</c> (CPU ModulateBackward; din may alias dout).</summary>
    public static KernelCall ModulateBackward(GpuTensor dinput, GpuTensor dout, GpuTensor scale, int rows, int dim, long modStride = 0)
    {
        const string op = nameof(ModulateBackward);
        Positive(rows, nameof(rows), op); Positive(dim, nameof(dim), op);
        long n = (long)rows * dim;
        Need(dinput, n, nameof(dinput), op, DType.BF16); Need(dout, n, nameof(dout), op, DType.BF16);
        RowVector(scale, modStride, rows, dim, nameof(scale), op, true);
        var c = new KernelCall(LayerNormFile, "nw_modulate_bwd_bf16", LaunchShapes.Rows(rows), LaunchShapes.RowBlock);
        c.Ptr(dinput); c.Ptr(dout); c.Ptr(scale); c.I64(modStride); c.I32(rows); c.I32(dim);
        return c;
    }

    /// <summary>
    /// <c>nw_gated_residual_fwd_{bf16|f32}</c> (dtype of x): <c>x += y·gate</c> in place, gate null = 1 (CPU
    /// GatedResidualForward).
    /// </summary>
    /// <param name="x">Residual stream, bf16 or fp32 [rows, dim].</param>
    /// <param name="y">Branch output, bf16.</param>
    /// <param name="gate">fp32 read at row·gateStride, or null.</param>
    public static KernelCall GatedResidualForward(GpuTensor x, GpuTensor y, GpuTensor gate, int rows, int dim, long gateStride = 0)
    {
        const string op = nameof(GatedResidualForward);
        Positive(rows, nameof(rows), op); Positive(dim, nameof(dim), op);
        long n = (long)rows * dim;
        Need(x, n, nameof(x), op, DType.BF16, DType.F32); Need(y, n, nameof(y), op, DType.BF16);
        RowVector(gate, gateStride, rows, dim, nameof(gate), op, false);
        var c = new KernelCall(LayerNormFile, $"nw_gated_residual_fwd_{Suffix(x.DType)}", LaunchShapes.Rows(rows), LaunchShapes.RowBlock);
        c.Ptr(x); c.Ptr(y); c.Ptr(gate); c.I64(gateStride); c.I32(rows); c.I32(dim);
        return c;
    }

    /// <summary><c>nw_gated_residual_bwd_{bf16|f32}</c> (dtype of dx): <c>dy = dx·gate</c> (CPU GatedResidualBackward).</summary>
    public static KernelCall GatedResidualBackward(GpuTensor dy, GpuTensor dx, GpuTensor gate, int rows, int dim, long gateStride = 0)
    {
        const string op = nameof(GatedResidualBackward);
        Positive(rows, nameof(rows), op); Positive(dim, nameof(dim), op);
        long n = (long)rows * dim;
        Need(dy, n, nameof(dy), op, DType.BF16); Need(dx, n, nameof(dx), op, DType.BF16, DType.F32);
        RowVector(gate, gateStride, rows, dim, nameof(gate), op, false);
        var c = new KernelCall(LayerNormFile, $"nw_gated_residual_bwd_{Suffix(dx.DType)}", LaunchShapes.Rows(rows), LaunchShapes.RowBlock);
        c.Ptr(dy); c.Ptr(dx); c.Ptr(gate); c.I64(gateStride); c.I32(rows); c.I32(dim);
        return c;
    }

    /// <summary><c>nw_rmsnorm_fwd_bf16</c>: <c>out = x·rstd·w</c>, rstd = 1/√(mean(x²) + eps) (CPU RmsNormForward).</summary>
    /// <param name="output">bf16 [rows, dim]; may alias input.</param>
    /// <param name="rstd">fp32 [rows] or null.</param>
    /// <param name="input">bf16 [rows, dim].</param>
    /// <param name="weight">fp32 [dim].</param>
    public static KernelCall RmsNormForward(GpuTensor output, GpuTensor rstd, GpuTensor input, GpuTensor weight, int rows, int dim, float eps)
    {
        const string op = nameof(RmsNormForward);
        Positive(rows, nameof(rows), op); Positive(dim, nameof(dim), op);
        long n = (long)rows * dim;
        Need(output, n, nameof(output), op, DType.BF16); Need(input, n, nameof(input), op, DType.BF16);
        Optional(rstd, rows, nameof(rstd), op, DType.F32); Need(weight, dim, nameof(weight), op, DType.F32);
        var c = new KernelCall(RmsNormFile, "nw_rmsnorm_fwd_bf16", LaunchShapes.Rows(rows), LaunchShapes.RowBlock);
        c.Ptr(output); c.Ptr(rstd); c.Ptr(input); c.Ptr(weight); c.I32(rows); c.I32(dim); c.F32(eps);
        return c;
    }

    /// <summary><c>nw_rmsnorm_bwd_bf16</c>: <c>dx = rstd·(g − x̂·mean(g·x̂))</c>, g = dout·w (CPU RmsNormBackward).</summary>
    /// <param name="dinput">bf16; must not alias dout.</param>
    public static KernelCall RmsNormBackward(GpuTensor dinput, GpuTensor dout, GpuTensor input, GpuTensor weight, GpuTensor rstd,
        int rows, int dim, bool accumulate = false)
    {
        const string op = nameof(RmsNormBackward);
        Positive(rows, nameof(rows), op); Positive(dim, nameof(dim), op);
        long n = (long)rows * dim;
        Need(dinput, n, nameof(dinput), op, DType.BF16); Need(dout, n, nameof(dout), op, DType.BF16); Need(input, n, nameof(input), op, DType.BF16);
        if (dinput.Pointer == dout.Pointer) throw new ArgumentException($"{op}: dinput must not alias dout", nameof(dinput));
        Need(weight, dim, nameof(weight), op, DType.F32); Need(rstd, rows, nameof(rstd), op, DType.F32);
        var c = new KernelCall(RmsNormFile, "nw_rmsnorm_bwd_bf16", LaunchShapes.Rows(rows), LaunchShapes.RowBlock);
        c.Ptr(dinput); c.Ptr(dout); c.Ptr(input); c.Ptr(weight); c.Ptr(rstd); c.I32(rows); c.I32(dim); c.I32(accumulate ? 1 : 0);
        return c;
    }

    /// <summary><c>nw_rmsnorm_param_grad_bf16</c>: <c>dw += Σ_rows dout·x̂</c> (CPU RmsNormBackward's dweight).</summary>
    public static KernelCall RmsNormParamGrad(GpuTensor dweight, GpuTensor dout, GpuTensor input, GpuTensor rstd, int rows, int dim)
    {
        const string op = nameof(RmsNormParamGrad);
        Positive(rows, nameof(rows), op); Positive(dim, nameof(dim), op);
        long n = (long)rows * dim;
        Need(dweight, dim, nameof(dweight), op, DType.F32);
        Need(dout, n, nameof(dout), op, DType.BF16); Need(input, n, nameof(input), op, DType.BF16);
        Need(rstd, rows, nameof(rstd), op, DType.F32);
        var (grid, chunk) = LaunchShapes.ColumnReduction(rows, dim);
        var c = new KernelCall(RmsNormFile, "nw_rmsnorm_param_grad_bf16", grid, LaunchShapes.ColumnBlock);
        c.Ptr(dweight); c.Ptr(dout); c.Ptr(input); c.Ptr(rstd); c.I32(rows); c.I32(dim); c.I32(chunk);
        return c;
    }
}
