using NativeWan.Cuda;
using NativeWan.Cuda.Blas;
using NativeWan.Cuda.Driver;
using NativeWan.Cuda.Memory;
using NativeWan.Cuda.Nvrtc;
using NativeWan.Numerics;
using NativeWan.Ops.Cpu;

namespace NativeWan.Ops.Cuda;

/// <summary>
/// The Wan DiT operators on the GPU: the CUDA twins of <see cref="CpuOps"/> (same names, same argument order, device
/// tensors instead of spans), each one or a few kernel launches from kernels/*.cu enqueued on the backend (asynchronous:
/// nothing here synchronizes except <see cref="Synchronize"/>). Storage and accumulation conventions are in each kernel
/// file's header and in <see cref="KernelPlans"/>; in short bf16 activations, fp32 statistics, vectors, gradients and
/// master weights, fp32 arithmetic.
/// </summary>
/// <remarks>
/// Scratch tensors (attention delta, loss partials) are passed in by callers with an allocation plan; when omitted they
/// come from the backend and are freed right after the launches that use them (safe: frees are stream-ordered). Not for
/// concurrent use from several threads.
/// </remarks>
public sealed class CudaOps : IDisposable
{
    readonly List<GpuTensor> _ropeTensors = new();

    /// <summary>Where launches run and tensors live.</summary>
    public IKernelBackend Backend { get; }
    /// <summary>The base products of <see cref="LinearForward"/> / <see cref="LinearBackward"/> (cuBLASLt or the tiled
    /// kernel); null when the ops were created without one.</summary>
    public IGemm? Gemm { get; }

    /// <summary>Ops on the GPU backend, with cuBLASLt (on the backend's stream) for the Linear base products when given.</summary>
    public CudaOps(CudaKernelBackend backend, CublasLtGemm? gemm = null)
        : this((IKernelBackend)backend, gemm is null ? null : new CublasLtBaseGemm(gemm, backend?.Stream.Raw ?? 0)) { }

    /// <summary>Ops on any backend; <paramref name="gemm"/> must enqueue on the backend's stream (e.g. <see cref="SimpleGemm"/>
    /// over the same backend, or <see cref="CublasLtBaseGemm"/> on its stream).</summary>
    public CudaOps(IKernelBackend backend, IGemm? gemm = null)
    {
        Backend = backend ?? throw new ArgumentNullException(nameof(backend));
        Gemm = gemm;
    }

    /// <summary>Enqueues one described launch.</summary>
    public void Launch(in KernelCall call) => Backend.Launch(call);

    /// <summary>Waits for everything enqueued so far; kernel faults surface here.</summary>
    public void Synchronize() => Backend.Synchronize();

    // ------------------------------------------------------------------------------------------------------------
    // norms, modulation, residual

    /// <summary>LayerNorm fused with the modulation (twin of CpuOps.LayerNormForward + ModulateForward); see <see cref="KernelPlans.LayerNormForward"/>.</summary>
    public void LayerNormForward(GpuTensor output, GpuTensor mean, GpuTensor rstd, GpuTensor input, GpuTensor weight, GpuTensor bias,
        int rows, int dim, float eps, GpuTensor shift = default, GpuTensor scale = default, long modStride = 0)
        => Launch(KernelPlans.LayerNormForward(output, mean, rstd, input, weight, bias, rows, dim, eps, shift, scale, modStride));

    /// <summary>
    /// Twin of CpuOps.LayerNormBackward (with ModulateBackward folded in): the input gradient, then — when
    /// <paramref name="dweight"/> or <paramref name="dbias"/> is given — the accumulated (+=) affine gradients.
    /// </summary>
    public void LayerNormBackward(GpuTensor dinput, GpuTensor dweight, GpuTensor dbias, GpuTensor dout, GpuTensor input, GpuTensor weight,
        GpuTensor mean, GpuTensor rstd, int rows, int dim, bool accumulate = false, GpuTensor scale = default, long modStride = 0)
    {
        var c = KernelPlans.LayerNormBackward(dinput, dout, input, weight, mean, rstd, rows, dim, accumulate, scale, modStride);
        KernelCall p = default;
        bool grads = !dweight.IsNull || !dbias.IsNull;
        if (grads) p = KernelPlans.LayerNormParamGrad(dweight, dbias, dout, input, mean, rstd, rows, dim, scale, modStride);
        Launch(c);
        if (grads) Launch(p);
    }

    /// <summary>Twin of CpuOps.ModulateForward.</summary>
    public void ModulateForward(GpuTensor output, GpuTensor input, GpuTensor shift, GpuTensor scale, int rows, int dim, long modStride = 0)
        => Launch(KernelPlans.ModulateForward(output, input, shift, scale, rows, dim, modStride));

    /// <summary>Twin of CpuOps.ModulateBackward.</summary>
    public void ModulateBackward(GpuTensor dinput, GpuTensor dout, GpuTensor scale, int rows, int dim, long modStride = 0)
        => Launch(KernelPlans.ModulateBackward(dinput, dout, scale, rows, dim, modStride));

    /// <summary>Twin of CpuOps.GatedResidualForward.</summary>
    public void GatedResidualForward(GpuTensor x, GpuTensor y, GpuTensor gate, int rows, int dim, long gateStride = 0)
        => Launch(KernelPlans.GatedResidualForward(x, y, gate, rows, dim, gateStride));

    /// <summary>Twin of CpuOps.GatedResidualBackward.</summary>
    public void GatedResidualBackward(GpuTensor dy, GpuTensor dx, GpuTensor gate, int rows, int dim, long gateStride = 0)
        => Launch(KernelPlans.GatedResidualBackward(dy, dx, gate, rows, dim, gateStride));

    /// <summary>Twin of CpuOps.RmsNormForward.</summary>
    public void RmsNormForward(GpuTensor output, GpuTensor rstd, GpuTensor input, GpuTensor weight, int rows, int dim, float eps)
        => Launch(KernelPlans.RmsNormForward(output, rstd, input, weight, rows, dim, eps));

    /// <summary>Twin of CpuOps.RmsNormBackward: input gradient, then dweight += when <paramref name="dweight"/> is given.</summary>
    public void RmsNormBackward(GpuTensor dinput, GpuTensor dweight, GpuTensor dout, GpuTensor input, GpuTensor weight, GpuTensor rstd,
        int rows, int dim, bool accumulate = false)
    {
        var c = KernelPlans.RmsNormBackward(dinput, dout, input, weight, rstd, rows, dim, accumulate);
        KernelCall p = default;
        if (!dweight.IsNull) p = KernelPlans.RmsNormParamGrad(dweight, dout, input, rstd, rows, dim);
        Launch(c);
        if (!dweight.IsNull) Launch(p);
    }

    // ------------------------------------------------------------------------------------------------------------
    // RoPE, activations, patchify, time embedding

    /// <summary>Uploads the angle tables of <paramref name="table"/>; release them with <see cref="Free(RopeDeviceTable)"/>.</summary>
    public RopeDeviceTable UploadRope(RopeTable table)
    {
        var (f, h, w) = RopeDeviceTable.HostTables(table);
        var tf = UploadTable(f, "rope cos/sin frame");
        var th = UploadTable(h, "rope cos/sin height");
        var tw = UploadTable(w, "rope cos/sin width");
        return RopeDeviceTable.Describe(table, tf.Pointer, th.Pointer, tw.Pointer);
    }

    /// <summary>Returns the tensors of a table from <see cref="UploadRope"/> (after the work using it is enqueued).</summary>
    public void Free(RopeDeviceTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        foreach (var t in new[] { table.CosSinF, table.CosSinH, table.CosSinW })
        {
            int i = _ropeTensors.FindIndex(x => x.Pointer == t.Pointer);
            if (i < 0) continue;
            Backend.Free(_ropeTensors[i]);
            _ropeTensors.RemoveAt(i);
        }
    }

    GpuTensor UploadTable(float[] host, string what)
    {
        var t = Backend.Allocate(host.Length, DType.F32, what);
        Backend.Upload<float>(t, host);
        _ropeTensors.Add(t);
        return t;
    }

    /// <summary>Twin of CpuOps.Rope3dForward.</summary>
    public void Rope3dForward(GpuTensor output, GpuTensor input, RopeDeviceTable table, int rows, int heads)
        => Launch(KernelPlans.Rope3d(output, input, table, rows, heads, backward: false));

    /// <summary>Twin of CpuOps.Rope3dBackward.</summary>
    public void Rope3dBackward(GpuTensor dinput, GpuTensor dout, RopeDeviceTable table, int rows, int heads)
        => Launch(KernelPlans.Rope3d(dinput, dout, table, rows, heads, backward: true));

    /// <summary>Twin of CpuOps.GeluTanhForward.</summary>
    public void GeluTanhForward(GpuTensor output, GpuTensor input, long n) => Launch(KernelPlans.GeluTanhForward(output, input, n));
    /// <summary>Twin of CpuOps.GeluTanhBackward.</summary>
    public void GeluTanhBackward(GpuTensor dinput, GpuTensor dout, GpuTensor input, long n) => Launch(KernelPlans.GeluTanhBackward(dinput, dout, input, n));
    /// <summary>Twin of CpuOps.SiluForward.</summary>
    public void SiluForward(GpuTensor output, GpuTensor input, long n) => Launch(KernelPlans.SiluForward(output, input, n));
    /// <summary>Twin of CpuOps.SiluBackward.</summary>
    public void SiluBackward(GpuTensor dinput, GpuTensor dout, GpuTensor input, long n) => Launch(KernelPlans.SiluBackward(dinput, dout, input, n));

    /// <summary>Twin of CpuOps.PatchifyForward.</summary>
    public void PatchifyForward(GpuTensor tokens, GpuTensor latent, PatchGeometry g, bool channelInnermost = false)
        => Launch(KernelPlans.PatchifyForward(tokens, latent, g, channelInnermost));
    /// <summary>Twin of CpuOps.PatchifyBackward.</summary>
    public void PatchifyBackward(GpuTensor dlatent, GpuTensor dtokens, PatchGeometry g, bool channelInnermost = false)
        => Launch(KernelPlans.PatchifyBackward(dlatent, dtokens, g, channelInnermost));
    /// <summary>Twin of CpuOps.UnpatchifyForward.</summary>
    public void UnpatchifyForward(GpuTensor latent, GpuTensor tokens, PatchGeometry g, bool channelInnermost = true)
        => Launch(KernelPlans.UnpatchifyForward(latent, tokens, g, channelInnermost));
    /// <summary>Twin of CpuOps.UnpatchifyBackward.</summary>
    public void UnpatchifyBackward(GpuTensor dtokens, GpuTensor dlatent, PatchGeometry g, bool channelInnermost = true)
        => Launch(KernelPlans.UnpatchifyBackward(dtokens, dlatent, g, channelInnermost));

    /// <summary>Twin of CpuOps.SinusoidalEmbeddingForward for <paramref name="count"/> float64 timesteps at once.</summary>
    public void SinusoidalEmbeddingForward(GpuTensor output, GpuTensor timesteps, int count, int dim)
        => Launch(KernelPlans.SinusoidalEmbeddingForward(output, timesteps, count, dim));

    // ------------------------------------------------------------------------------------------------------------
    // attention

    /// <summary>Twin of CpuOps.AttentionForward.</summary>
    public void AttentionForward(GpuTensor output, GpuTensor lse, GpuTensor q, GpuTensor k, GpuTensor v, int lq, int lk, int heads,
        int headDim, int keyValid, float scale)
        => Launch(KernelPlans.AttentionForward(output, lse, q, k, v, lq, lk, heads, headDim, keyValid, scale));

    /// <summary>
    /// Twin of CpuOps.AttentionBackward: preprocess (delta), dQ, then dK/dV. <paramref name="delta"/> is fp32 scratch of at
    /// least heads·lq elements; when null one is taken from the backend and freed after the launches.
    /// </summary>
    public void AttentionBackward(GpuTensor dq, GpuTensor dk, GpuTensor dv, GpuTensor dout, GpuTensor q, GpuTensor k, GpuTensor v,
        GpuTensor output, GpuTensor lse, int lq, int lk, int heads, int headDim, int keyValid, float scale, GpuTensor delta = default)
    {
        bool own = delta.IsNull;
        if (own) delta = Backend.Allocate((long)heads * lq, DType.F32, "attention delta");
        try
        {
            var pre = KernelPlans.AttentionBackwardPreprocess(delta, dout, output, lq, heads, headDim);
            var cq = KernelPlans.AttentionBackwardDq(dq, dout, q, k, v, lse, delta, lq, lk, heads, headDim, keyValid, scale);
            var ckv = KernelPlans.AttentionBackwardDkDv(dk, dv, dout, q, k, v, lse, delta, lq, lk, heads, headDim, keyValid, scale);
            Launch(pre); Launch(cq); Launch(ckv);
        }
        finally { if (own) Backend.Free(delta); }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Linear with LoRA

    /// <summary>
    /// The adapter half of CpuOps.LinearForward: <c>mid = x·Aᵀ</c>, <c>output += scale·mid·Bᵀ</c>, where
    /// <paramref name="output"/> already holds the base product x·Wᵀ + b (from <see cref="Gemm"/>).
    /// </summary>
    public void LoraForward(GpuTensor output, GpuTensor loraMid, GpuTensor input, GpuTensor loraDown, GpuTensor loraUp, float loraScale,
        int rows, int inF, int outF, int rank)
    {
        var d = KernelPlans.LoraDown(loraMid, input, loraDown, rows, inF, rank);
        var u = KernelPlans.LoraUp(output, loraMid, loraUp, rows, outF, rank, loraScale);
        Launch(d); Launch(u);
    }

    /// <summary>
    /// The adapter half of CpuOps.LinearBackward: <c>dmid = s·dy·B</c>, <c>dB += s·dyᵀ·mid</c>, <c>dA += dmidᵀ·x</c> and,
    /// when <paramref name="dinput"/> is not null, <c>dx (= or +=) dmid·A</c> (+= onto the base GEMM's dy·W with
    /// <paramref name="accumulateInput"/>).
    /// </summary>
    public void LoraBackward(GpuTensor dinput, GpuTensor dLoraDown, GpuTensor dLoraUp, GpuTensor dLoraMid, GpuTensor dout, GpuTensor input,
        GpuTensor loraDown, GpuTensor loraUp, GpuTensor loraMid, float loraScale, int rows, int inF, int outF, int rank, bool accumulateInput)
    {
        var cm = KernelPlans.LoraDMid(dLoraMid, dout, loraUp, rows, outF, rank, loraScale);
        var cu = KernelPlans.LoraGradUp(dLoraUp, dout, loraMid, rows, outF, rank, loraScale);
        var cd = KernelPlans.LoraGradDown(dLoraDown, dLoraMid, input, rows, inF, rank);
        KernelCall cx = default;
        if (!dinput.IsNull) cx = KernelPlans.LoraGradInput(dinput, dLoraMid, loraDown, rows, inF, rank, accumulateInput);
        Launch(cm); Launch(cu); Launch(cd);
        if (!dinput.IsNull) Launch(cx);
    }

    /// <summary>
    /// Twin of CpuOps.LinearForward: <c>y = x·Wᵀ + b</c> on <see cref="Gemm"/> (bf16 inputs, fp32 accumulation, output in
    /// <paramref name="output"/>'s dtype, bias in the same dtype or null), then <see cref="LoraForward"/> when rank &gt; 0.
    /// </summary>
    /// <exception cref="InvalidOperationException">No GEMM (<see cref="Gemm"/> is null).</exception>
    /// <exception cref="ArgumentException">Bad operands (see <see cref="IGemm"/>) or a negative rank.</exception>
    public void LinearForward(GpuTensor output, GpuTensor loraMid, GpuTensor input, GpuTensor weight, GpuTensor bias, GpuTensor loraDown,
        GpuTensor loraUp, float loraScale, int rows, int inF, int outF, int rank)
    {
        var gemm = Gemm ?? throw new InvalidOperationException("LinearForward needs a GEMM for the base product; CudaOps was created without one");
        if (rank < 0) throw new ArgumentException($"LinearForward: rank must be ≥ 0 (got {rank})", nameof(rank));
        gemm.Forward(output, input, weight, bias, rows, outF, inF);
        if (rank > 0) LoraForward(output, loraMid, input, loraDown, loraUp, loraScale, rows, inF, outF, rank);
    }

    /// <summary>
    /// Twin of CpuOps.LinearBackward with a frozen base: <c>dx (= or +=) dy·W</c> on <see cref="Gemm"/> (skipped when
    /// <paramref name="dinput"/> is null), then <see cref="LoraBackward"/> when rank &gt; 0.
    /// </summary>
    /// <exception cref="InvalidOperationException">dinput is wanted but there is no GEMM.</exception>
    public void LinearBackward(GpuTensor dinput, GpuTensor dLoraDown, GpuTensor dLoraUp, GpuTensor dLoraMid, GpuTensor dout, GpuTensor input,
        GpuTensor weight, GpuTensor loraDown, GpuTensor loraUp, GpuTensor loraMid, float loraScale, int rows, int inF, int outF, int rank,
        bool accumulateInput = false)
    {
        if (rank < 0) throw new ArgumentException($"LinearBackward: rank must be ≥ 0 (got {rank})", nameof(rank));
        if (!dinput.IsNull)
        {
            var gemm = Gemm ?? throw new InvalidOperationException("LinearBackward needs a GEMM for dy·W; CudaOps was created without one");
            gemm.BackwardA(dinput, dout, weight, rows, outF, inF, accumulateInput);
        }
        if (rank > 0)
            LoraBackward(dinput, dLoraDown, dLoraUp, dLoraMid, dout, input, loraDown, loraUp, loraMid, loraScale, rows, inF, outF, rank,
                accumulateInput: true);
    }

    // ------------------------------------------------------------------------------------------------------------
    // training objective and optimizer

    /// <summary>x_t = (1 − σ)·x0 + σ·ε and target = ε − x0 (target may be null); bit-identical to WanDit.TrainStep.</summary>
    public void FlowNoise(GpuTensor xt, GpuTensor target, GpuTensor x0, GpuTensor noise, float sigma, long n)
        => Launch(KernelPlans.FlowNoise(xt, target, x0, noise, sigma, n));

    /// <summary>
    /// Flow-matching loss <c>mean((pred − (ε − x0))²)</c> into <paramref name="loss"/> (fp32 [1], stays on the device) and
    /// <c>dpred = 2·(pred − target)/N</c> (null to skip); <paramref name="sumOut"/> (float64 [1] or null) receives Σ diff².
    /// <paramref name="partials"/> is float64 scratch of at least <see cref="LaunchShapes.LossBlocks"/>(n) elements; when
    /// null one is taken from the backend and freed after the launches.
    /// </summary>
    public void FlowMatchingLoss(GpuTensor dpred, GpuTensor loss, GpuTensor pred, GpuTensor x0, GpuTensor noise, long n, GpuTensor sumOut = default,
        GpuTensor partials = default)
    {
        int blocks = LaunchShapes.LossBlocks(n);
        bool own = partials.IsNull;
        if (own) partials = Backend.Allocate(blocks, DType.F64, "loss partial sums");
        try
        {
            var a = KernelPlans.FlowMsePartial(dpred, partials, pred, x0, noise, n, blocks);
            var b = KernelPlans.FlowMseFinalize(loss, sumOut, partials, blocks, n);
            Launch(a); Launch(b);
        }
        finally { if (own) Backend.Free(partials); }
    }

    /// <summary>One AdamW update (twin of Optim.AdamW.Update for one flat parameter buffer); see <see cref="KernelPlans.AdamWStep"/>.</summary>
    public void AdamWStep(GpuTensor param, GpuTensor m, GpuTensor v, GpuTensor grad, GpuTensor paramBf16, long n, AdamWScalars scalars)
        => Launch(KernelPlans.AdamWStep(param, m, v, grad, paramBf16, n, scalars));

    /// <summary>Returns RoPE tables still uploaded (the backend and the GEMM belong to the caller).</summary>
    public void Dispose()
    {
        foreach (var t in _ropeTensors) Backend.Free(t);
        _ropeTensors.Clear();
    }
}
