using NativeWan.Numerics;

namespace NativeWan.Ops.Cuda;

public static partial class KernelPlans
{
    /// <summary>Kernel file of the flow-matching loss.</summary>
    public const string LossFile = "loss.cu";
    /// <summary>Kernel file of AdamW.</summary>
    public const string AdamWFile = "adamw.cu";

    /// <summary><c>nw_flow_noise_f32</c>: x_t = (1 − σ)·x0 + σ·ε and (when target is not null) target = ε − x0.</summary>
    public static KernelCall FlowNoise(GpuTensor xt, GpuTensor target, GpuTensor x0, GpuTensor noise, float sigma, long n)
    {
        const string op = nameof(FlowNoise);
        if (n <= 0) throw new ArgumentException($"{op}: n must be positive (got {n})", nameof(n));
        Need(xt, n, nameof(xt), op, DType.F32); Optional(target, n, nameof(target), op, DType.F32);
        Need(x0, n, nameof(x0), op, DType.F32); Need(noise, n, nameof(noise), op, DType.F32);
        var c = new KernelCall(LossFile, "nw_flow_noise_f32", LaunchShapes.Elementwise(n), LaunchShapes.ElementwiseBlock);
        c.Ptr(xt); c.Ptr(target); c.Ptr(x0); c.Ptr(noise); c.F32(sigma); c.I64(n);
        return c;
    }

    /// <summary>
    /// <c>nw_flow_mse_partial_f32</c>: dpred = 2·(pred − (ε − x0))/N (dpred may be null) and one float64 partial sum of
    /// squares per block into <paramref name="partials"/>.
    /// </summary>
    /// <param name="blocks">Number of partial sums (the grid), from <see cref="LaunchShapes.LossBlocks"/>.</param>
    public static KernelCall FlowMsePartial(GpuTensor dpred, GpuTensor partials, GpuTensor pred, GpuTensor x0, GpuTensor noise, long n, int blocks)
    {
        const string op = nameof(FlowMsePartial);
        if (n <= 0) throw new ArgumentException($"{op}: n must be positive (got {n})", nameof(n));
        if (blocks <= 0 || blocks > LaunchShapes.MaxLossBlocks) throw new ArgumentException($"{op}: blocks must be in 1..{LaunchShapes.MaxLossBlocks} (got {blocks})", nameof(blocks));
        Optional(dpred, n, nameof(dpred), op, DType.F32); Need(partials, blocks, nameof(partials), op, DType.F64);
        Need(pred, n, nameof(pred), op, DType.F32); Need(x0, n, nameof(x0), op, DType.F32); Need(noise, n, nameof(noise), op, DType.F32);
        var c = new KernelCall(LossFile, "nw_flow_mse_partial_f32", blocks, LaunchShapes.LossBlock);
        c.Ptr(dpred); c.Ptr(partials); c.Ptr(pred); c.Ptr(x0); c.Ptr(noise); c.I64(n);
        return c;
    }

    /// <summary><c>nw_flow_mse_finalize</c>: loss = (float)(Σ partials / N); the float64 sum into sumOut when not null.</summary>
    public static KernelCall FlowMseFinalize(GpuTensor loss, GpuTensor sumOut, GpuTensor partials, int count, long n)
    {
        const string op = nameof(FlowMseFinalize);
        if (n <= 0) throw new ArgumentException($"{op}: n must be positive (got {n})", nameof(n));
        Positive(count, nameof(count), op);
        Need(loss, 1, nameof(loss), op, DType.F32); Optional(sumOut, 1, nameof(sumOut), op, DType.F64);
        Need(partials, count, nameof(partials), op, DType.F64);
        var c = new KernelCall(LossFile, "nw_flow_mse_finalize", 1, LaunchShapes.LossBlock);
        c.Ptr(loss); c.Ptr(sumOut); c.Ptr(partials); c.I32(count); c.I64(n);
        return c;
    }

    /// <summary>
    /// <c>nw_adamw_f32</c>: one AdamW update of n fp32 master weights in place, bit-identical to
    /// <see cref="Optim.AdamW.Update"/> given <see cref="AdamWScalars.For"/>; also writes bf16 copies when
    /// <paramref name="paramBf16"/> is not null.
    /// </summary>
    public static KernelCall AdamWStep(GpuTensor param, GpuTensor m, GpuTensor v, GpuTensor grad, GpuTensor paramBf16, long n, AdamWScalars s)
    {
        const string op = nameof(AdamWStep);
        if (n <= 0) throw new ArgumentException($"{op}: n must be positive (got {n})", nameof(n));
        Need(param, n, nameof(param), op, DType.F32); Need(m, n, nameof(m), op, DType.F32); Need(v, n, nameof(v), op, DType.F32);
        Need(grad, n, nameof(grad), op, DType.F32); Optional(paramBf16, n, nameof(paramBf16), op, DType.BF16);
        var c = new KernelCall(AdamWFile, "nw_adamw_f32", LaunchShapes.Elementwise(n), LaunchShapes.ElementwiseBlock);
        c.Ptr(param); c.Ptr(m); c.Ptr(v); c.Ptr(grad); c.Ptr(paramBf16); c.I64(n);
        c.F32(s.Beta1); c.F32(s.OneMinusBeta1); c.F32(s.Beta2); c.F32(s.OneMinusBeta2); c.F32(s.Eps);
        c.F32(s.Decay); c.F32(s.StepSize); c.F32(s.Bc2Sqrt); c.F32(s.GradScale);
        return c;
    }
}
