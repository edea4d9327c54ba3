using NativeWan.Numerics;

namespace NativeWan.Ops.Cuda;

public static partial class KernelPlans
{
    /// <summary>Kernel file of the attention forward.</summary>
    public const string AttentionForwardFile = "attention_fwd.cu";
    /// <summary>Kernel file of the attention backward.</summary>
    public const string AttentionBackwardFile = "attention_bwd.cu";

    static void CheckAttention(string op, GpuTensor q, GpuTensor k, GpuTensor v, int lq, int lk, int heads, int headDim, int keyValid)
    {
        Positive(lq, nameof(lq), op); Positive(lk, nameof(lk), op); Positive(heads, nameof(heads), op); Positive(headDim, nameof(headDim), op);
        if (!LaunchShapes.AttentionHeadDims.Contains(headDim))
            throw new ArgumentException($"{op}: head_dim {headDim} has no kernel instantiation (supported: {string.Join(", ", LaunchShapes.AttentionHeadDims)})", nameof(headDim));
        if (keyValid < 1 || keyValid > lk) throw new ArgumentException($"{op}: keyValid ({keyValid}) must be in 1..{lk}", nameof(keyValid));
        long w = (long)heads * headDim;
        Need(q, lq * w, nameof(q), op, DType.BF16); Need(k, lk * w, nameof(k), op, DType.BF16); Need(v, lk * w, nameof(v), op, DType.BF16);
    }

    /// <summary>
    /// <c>nw_attention_fwd_d{headDim}_bf16</c>: softmax attention per head with an online softmax (CPU AttentionForward):
    /// out = softmax(q·kᵀ·scale)·v over keys [0, keyValid), lse = log Σ exp(scaled logits) per (head, query).
    /// </summary>
    /// <param name="output">bf16 [lq, heads·headDim].</param>
    /// <param name="lse">fp32 [heads, lq].</param>
    /// <param name="q">bf16 [lq, heads·headDim].</param>
    /// <param name="k">bf16 [lk, heads·headDim].</param>
    /// <param name="v">bf16 [lk, heads·headDim].</param>
    /// <param name="lq">Query rows.</param>
    /// <param name="lk">Key rows.</param>
    /// <param name="heads">Heads.</param>
    /// <param name="headDim">32, 40, 64 or 128.</param>
    /// <param name="keyValid">Unmasked keys, 1..lk.</param>
    /// <param name="scale">Logit scale (1/√headDim).</param>
    public static KernelCall AttentionForward(GpuTensor output, GpuTensor lse, GpuTensor q, GpuTensor k, GpuTensor v,
        int lq, int lk, int heads, int headDim, int keyValid, float scale)
    {
        const string op = nameof(AttentionForward);
        CheckAttention(op, q, k, v, lq, lk, heads, headDim, keyValid);
        Need(output, (long)lq * heads * headDim, nameof(output), op, DType.BF16); Need(lse, (long)heads * lq, nameof(lse), op, DType.F32);
        var c = new KernelCall(AttentionForwardFile, $"nw_attention_fwd_d{headDim}_bf16", LaunchShapes.Attention(lq, heads), LaunchShapes.AttentionBlock);
        c.Ptr(output); c.Ptr(lse); c.Ptr(q); c.Ptr(k); c.Ptr(v); c.I32(lq); c.I32(lk); c.I32(heads); c.I32(keyValid); c.F32(scale);
        return c;
    }

    /// <summary><c>nw_attention_bwd_preprocess_bf16</c>: delta[h, i] = Σ_d dO[i, h, d]·O[i, h, d] (fp32 [heads, lq]).</summary>
    public static KernelCall AttentionBackwardPreprocess(GpuTensor delta, GpuTensor dout, GpuTensor output, int lq, int heads, int headDim)
    {
        const string op = nameof(AttentionBackwardPreprocess);
        Positive(lq, nameof(lq), op); Positive(heads, nameof(heads), op); Positive(headDim, nameof(headDim), op);
        long n = (long)lq * heads * headDim;
        Need(delta, (long)heads * lq, nameof(delta), op, DType.F32);
        Need(dout, n, nameof(dout), op, DType.BF16); Need(output, n, nameof(output), op, DType.BF16);
        var c = new KernelCall(AttentionBackwardFile, "nw_attention_bwd_preprocess_bf16", LaunchShapes.AttentionRowsTimesHeads(lq, heads), LaunchShapes.AttentionBlock);
        c.Ptr(delta); c.Ptr(dout); c.Ptr(output); c.I32(lq); c.I32(heads); c.I32(headDim);
        return c;
    }

    /// <summary><c>nw_attention_bwd_dq_d{headDim}_bf16</c>: dQ = dS·K·scale, P recomputed from q, k and lse.</summary>
    public static KernelCall AttentionBackwardDq(GpuTensor dq, GpuTensor dout, GpuTensor q, GpuTensor k, GpuTensor v, GpuTensor lse,
        GpuTensor delta, int lq, int lk, int heads, int headDim, int keyValid, float scale)
    {
        const string op = nameof(AttentionBackwardDq);
        CheckAttention(op, q, k, v, lq, lk, heads, headDim, keyValid);
        long n = (long)lq * heads * headDim;
        Need(dq, n, nameof(dq), op, DType.BF16); Need(dout, n, nameof(dout), op, DType.BF16);
        Need(lse, (long)heads * lq, nameof(lse), op, DType.F32); Need(delta, (long)heads * lq, nameof(delta), op, DType.F32);
        var c = new KernelCall(AttentionBackwardFile, $"nw_attention_bwd_dq_d{headDim}_bf16", LaunchShapes.Attention(lq, heads), LaunchShapes.AttentionBlock);
        c.Ptr(dq); c.Ptr(dout); c.Ptr(q); c.Ptr(k); c.Ptr(v); c.Ptr(lse); c.Ptr(delta);
        c.I32(lq); c.I32(lk); c.I32(heads); c.I32(keyValid); c.F32(scale);
        return c;
    }

    /// <summary><c>nw_attention_bwd_dkdv_d{headDim}_bf16</c>: dK = dSᵀ·Q·scale, dV = Pᵀ·dO; masked keys get zeros.</summary>
    public static KernelCall AttentionBackwardDkDv(GpuTensor dk, GpuTensor dv, GpuTensor dout, GpuTensor q, GpuTensor k, GpuTensor v,
        GpuTensor lse, GpuTensor delta, int lq, int lk, int heads, int headDim, int keyValid, float scale)
    {
        const string op = nameof(AttentionBackwardDkDv);
        CheckAttention(op, q, k, v, lq, lk, heads, headDim, keyValid);
        long nk = (long)lk * heads * headDim;
        Need(dk, nk, nameof(dk), op, DType.BF16); Need(dv, nk, nameof(dv), op, DType.BF16);
        Need(dout, (long)lq * heads * headDim, nameof(dout), op, DType.BF16);
        Need(lse, (long)heads * lq, nameof(lse), op, DType.F32); Need(delta, (long)heads * lq, nameof(delta), op, DType.F32);
        var c = new KernelCall(AttentionBackwardFile, $"nw_attention_bwd_dkdv_d{headDim}_bf16", LaunchShapes.Attention(lk, heads), LaunchShapes.AttentionBlock);
        c.Ptr(dk); c.Ptr(dv); c.Ptr(dout); c.Ptr(q); c.Ptr(k); c.Ptr(v); c.Ptr(lse); c.Ptr(delta);
        c.I32(lq); c.I32(lk); c.I32(heads); c.I32(keyValid); c.F32(scale);
        return c;
    }
}
