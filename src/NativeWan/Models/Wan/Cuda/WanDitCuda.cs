using NativeWan.Lora;
using NativeWan.Numerics;
using NativeWan.Ops.Cpu;
using NativeWan.Ops.Cuda;

namespace NativeWan.Models.Wan.Cuda;

/// <summary>
/// The Wan 2.2 DiT LoRA training step on the device, composed from the CUDA op kernels (<see cref="CudaOps"/>) and a
/// base GEMM (<see cref="IGemm"/>): the same flat forward/backward call sequence as the CPU reference
/// <see cref="WanDit.TrainStep"/> (spec 2.2–2.7, 4.1, section 10), with per-block gradient checkpointing, every buffer
/// from one allocation plan per (latent shape, seq, rank, checkpointing) that is reused across steps, and all work on the
/// backend's one stream.
/// </summary>
/// <remarks>
/// <para>Precision (a bf16 mixed-precision run): frozen Linear weights and every GEMM / attention operand bf16 with fp32
/// accumulation; the residual stream, its gradient, norm statistics, modulation vectors, the time embedding, the head
/// output, the prediction and the LoRA gradients fp32; LoRA A/B are bf16 copies of the host float32 masters, refreshed
/// at each step. Results therefore differ from the float32 CPU reference by bf16 rounding (see the tests for measured
/// sizes), not bit for bit.</para>
/// <para>Synchronization: a step first enqueues its uploads (inputs, LoRA weights), then only launches; the first host
/// wait is the read-back of the loss at the end, followed by the LoRA gradients (and optional outputs).</para>
/// <para>Batch size 1, one scalar timestep per step. Not thread-safe. The backend and the GEMM belong to the caller and
/// must outlive this instance; <see cref="Dispose"/> frees the device weights and buffers.</para>
/// </remarks>
public sealed partial class WanDitCuda : IDisposable
{
    readonly IKernelBackend _backend;
    readonly IGemm _gemm;
    readonly CudaOps _ops;
    readonly WanCudaWeights _w;
    readonly CudaLinear[] _targets;
    readonly bool _perTensor;
    WanCudaBuffers? _buf;
    WanCudaLora? _lora;
    BFloat16[]? _contextStaging;

    /// <summary>The hyper-parameters.</summary>
    public WanConfig Config { get; }

    /// <summary>Uploads the frozen weights (bf16 Linear weights, fp32 vectors) to <paramref name="backend"/>.</summary>
    /// <param name="weights">Host weights (float32).</param>
    /// <param name="backend">Device (or host emulator) the step runs on.</param>
    /// <param name="gemm">Base products; must enqueue on <paramref name="backend"/>'s stream.</param>
    /// <param name="separateAllocations">One backend allocation per tensor instead of one per plan (the host emulator then
    /// guards each tensor separately; slower to set up, same results).</param>
    public WanDitCuda(WanWeights weights, IKernelBackend backend, IGemm gemm, bool separateAllocations = false)
    {
        ArgumentNullException.ThrowIfNull(weights);
        _backend = backend ?? throw new ArgumentNullException(nameof(backend));
        _gemm = gemm ?? throw new ArgumentNullException(nameof(gemm));
        Config = weights.Config;
        if (!LaunchShapes.AttentionHeadDims.Contains(Config.HeadDim))
            throw new ArgumentException($"head_dim {Config.HeadDim} has no attention kernel (supported: {string.Join(", ", LaunchShapes.AttentionHeadDims)})", nameof(weights));
        _perTensor = separateAllocations;
        _ops = new CudaOps(backend, gemm);
        _w = WanCudaWeights.Upload(weights, backend, separateAllocations);
        _targets = new CudaLinear[Config.NumLayers * WanCudaLora.TargetsPerBlock];
        for (int i = 0; i < Config.NumLayers; i++)
        {
            var b = _w.Blocks[i];
            CudaLinear[] t = [b.SelfAttn.Q, b.SelfAttn.K, b.SelfAttn.V, b.SelfAttn.O, b.CrossAttn.Q, b.CrossAttn.K, b.CrossAttn.V, b.CrossAttn.O, b.Ffn0, b.Ffn2];
            t.CopyTo(_targets, i * WanCudaLora.TargetsPerBlock);
        }
    }

    /// <summary>Uploads the weights of a CPU model (see the main constructor).</summary>
    public WanDitCuda(WanDit dit, IKernelBackend backend, IGemm gemm, bool separateAllocations = false)
        : this((dit ?? throw new ArgumentNullException(nameof(dit))).Weights, backend, gemm, separateAllocations) { }

    /// <summary>
    /// One LoRA training step with the flow-matching objective (spec 4.1; same contract as <see cref="WanDit.TrainStep"/>):
    /// <c>x_t = (1 − σ)·x0 + σ·ε</c>, <c>pred = DiT(x_t, t, context[, y])</c> with LoRA, <c>loss = mean((pred − (ε − x0))²)</c>,
    /// then the backward pass with every base weight frozen. The LoRA gradients are downloaded into <paramref name="grads"/>.
    /// </summary>
    /// <param name="x0">Clean latent [C, F, H, W], C = out_dim.</param>
    /// <param name="noise">ε, same shape.</param>
    /// <param name="shape">Latent shape.</param>
    /// <param name="sigma">σ ∈ [0, 1].</param>
    /// <param name="timestep">The DiT timestep, used as given (musubi: 1000σ + 1).</param>
    /// <param name="context">Text embeddings [rows, text_dim], rows ≤ text_len (zero-padded to text_len here).</param>
    /// <param name="lora">Trainable adapters (their float32 A/B are uploaded as bf16 at each step).</param>
    /// <param name="grads">Receives d loss / d A and d loss / d B of every module (cleared first unless accumulating).</param>
    /// <param name="cond">I2V conditioning y [in_dim − C, F, H, W]; empty for T2V/TI2V.</param>
    /// <param name="options">Checkpointing, accumulation, padding, optional outputs.</param>
    /// <exception cref="ArgumentException">Inconsistent shapes, a LoRA module that does not fit its Linear, or a module
    /// without a gradient buffer (checked before any work is enqueued).</exception>
    public WanCudaStepResult TrainStep(ReadOnlySpan<float> x0, ReadOnlySpan<float> noise, LatentShape shape, float sigma, float timestep,
        ReadOnlySpan<float> context, LoraNetwork lora, LoraGradients grads, ReadOnlySpan<float> cond = default, WanCudaTrainOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(lora); ArgumentNullException.ThrowIfNull(grads);
        options ??= new WanCudaTrainOptions();
        var cfg = Config;
        int d = cfg.Dim;
        int n = checked((int)shape.Elements);
        if (x0.Length != n) throw new ArgumentException($"x0 has {x0.Length} elements, shape {shape} needs {n}", nameof(x0));
        if (noise.Length != n) throw new ArgumentException($"noise has {noise.Length} elements, shape {shape} needs {n}", nameof(noise));
        int ctxRows = cfg.ValidateInputs(shape, context, cond);
        var inGeo = WanCudaBuffers.InGeometry(cfg, shape);
        var outGeo = WanCudaBuffers.OutGeometry(cfg, shape);
        int L = inGeo.Tokens, S = options.SeqLen ?? L;
        if (S < L) throw new ArgumentException($"SeqLen {S} is below the {L} tokens of the latent", nameof(options));

        // LoRA layout and buffers (allocated on the first step of a shape, then reused)
        var modules = WanCudaLora.Match(lora, _targets);
        foreach (var m in modules)
            if (m != null && grads.Find(m.ModulePath) == null)
                throw new ArgumentException($"no gradient buffer for LoRA module '{m.ModulePath}'", nameof(grads));
        if (_lora == null || !_lora.Fits(modules)) { _lora?.Dispose(); _lora = null; _lora = WanCudaLora.Create(modules, _backend, _perTensor); }
        int rank = modules.Max(m => m?.Rank ?? 0);
        var key = new WanCudaBuffers.Key(shape, S, rank, options.GradientCheckpointing);
        if (_buf == null || _buf.For != key) { _buf?.Dispose(); _buf = null; _buf = WanCudaBuffers.Create(cfg, key, _backend, _perTensor); }
        var b = _buf;
        var lo = _lora;
        if (!options.AccumulateGradients) grads.Clear();

        // ---- uploads (all before the first launch)
        _backend.Upload(b.X0, x0);
        _backend.Upload(b.Noise, noise);
        if (!cond.IsEmpty) _backend.Upload(b.In.Slice(n, cond.Length), cond);
        _backend.Upload<double>(b.Timestep, [timestep]);
        var ctxHost = _contextStaging ??= new BFloat16[(long)cfg.TextLen * cfg.TextDim];
        Array.Clear(ctxHost);
        NumericConvert.SingleToBFloat16(context, ctxHost.AsSpan(0, ctxRows * cfg.TextDim));
        _backend.Upload<BFloat16>(b.Context, ctxHost);
        lo.Upload(_backend, lora.Multiplier);

        // ---- forward: x_t, embeddings, blocks (keeping only their inputs when checkpointing), head, loss
        _ops.FlowNoise(b.In.Slice(0, n), default, b.X0, b.Noise, sigma, n);
        Embed(b, inGeo, L, S);
        int layers = cfg.NumLayers;
        for (int i = 0; i < layers; i++) BlockForward(i, b.Acts(i), b.Xs[i], b.Xs[i + 1], b, L, S);
        HeadForward(b, b.Xs[layers], L);
        _ops.UnpatchifyForward(b.Pred, b.HeadOut, outGeo, channelInnermost: true);
        _ops.FlowMatchingLoss(b.DPred, b.Loss, b.Pred, b.X0, b.Noise, n, partials: b.LossPartials);

        // ---- backward: head, blocks in reverse (recomputed first when checkpointing), patch embedding
        _ops.UnpatchifyBackward(b.DHead, b.DPred, outGeo, channelInnermost: true);
        HeadBackward(b, b.Xs[layers], L, S);
        for (int i = layers - 1; i >= 0; i--)
        {
            if (options.GradientCheckpointing) BlockForward(i, b.Shared!, b.Xs[i], b.Recompute, b, L, S);
            BlockBackward(i, b.Acts(i), b.Xs[i], b, L, S);
        }
        if (options.InputGradients)
        {
            var pe = _w.PatchEmbedding;
            ToBf16(b.DA, b.DX, L, d);
            _gemm.BackwardA(b.DTokens, b.DA, pe.Weight, L, pe.Out, pe.In);
            _ops.PatchifyBackward(b.DIn, b.DTokens, inGeo, channelInnermost: false);
            // dx0 = (1 − σ)·dx_t + dpred (x0 enters through x_t and through the target ε − x0)
            _ops.Launch(ScaleAdd(b.DX0, b.DIn, b.DPred, 1f - sigma, 1f, n));
        }

        // ---- read-back: the loss (the step's only wait), then gradients and optional outputs
        var loss = new float[1];
        _backend.Download<float>(loss, b.Loss);
        lo.Download(_backend, grads, options.AccumulateGradients);
        float[]? pred = null, dxt = null, dx0 = null;
        if (options.ReturnPrediction) { pred = new float[n]; _backend.Download<float>(pred, b.Pred); }
        if (options.InputGradients)
        {
            dxt = new float[n]; _backend.Download<float>(dxt, b.DIn);
            dx0 = new float[n]; _backend.Download<float>(dx0, b.DX0);
        }
        return new WanCudaStepResult(loss[0], pred, dxt, dx0);
    }

    /// <summary>
    /// Patch embedding into Xs[0] (padding rows zero), time embedding e / e0, text embedding, the per-block modulation
    /// m_i = modulation_i + e0 and the head modulation (spec 2.2–2.4, 2.7).
    /// </summary>
    void Embed(WanCudaBuffers b, PatchGeometry inGeo, int L, int S)
    {
        var cfg = Config; int d = cfg.Dim, T = cfg.TextLen;
        // 1) patches of [x_t ; y], (c, pt, ph, pw) order, through the Conv3d-as-Linear
        _ops.PatchifyForward(b.Tokens, b.In, inGeo, channelInnermost: false);
        var pe = _w.PatchEmbedding;
        _gemm.Forward(b.Xs[0], b.Tokens, pe.Weight, pe.Bias, L, pe.Out, pe.In);
        if (S > L) _backend.Fill(b.Xs[0].Slice((long)L * d, (long)(S - L) * d), 0);

        // 2) e = W2·SiLU(W0·sin(t) + b0) + b2,  e0 = Wp·SiLU(e) + bp   (fp32 vectors, bf16 GEMM operands)
        _ops.SinusoidalEmbeddingForward(b.Sin, b.Timestep, 1, cfg.FreqDim);
        ToBf16(b.SinB, b.Sin, 1, cfg.FreqDim);
        Lin(_w.TimeEmbedding0, b.TimeH, b.SinB, 1);
        _ops.SiluForward(b.TimeH, b.TimeH, d);
        ToBf16(b.TimeHB, b.TimeH, 1, d);
        Lin(_w.TimeEmbedding2, b.E, b.TimeHB, 1);
        _ops.SiluForward(b.TimeH, b.E, d);
        ToBf16(b.TimeHB, b.TimeH, 1, d);
        Lin(_w.TimeProjection, b.E0, b.TimeHB, 1);

        // 3) ctx = W2·GELU(W0·context + b0) + b2 over the zero-padded text_len rows
        Lin(_w.TextEmbedding0, b.TextH, b.Context, T);
        _ops.GeluTanhForward(b.TextH, b.TextH, (long)T * d);
        Lin(_w.TextEmbedding2, b.Ctx, b.TextH, T);

        // 4) modulations: m_i = modulation_i + e0 [6, d]; head: [shift, scale] + e
        for (int i = 0; i < cfg.NumLayers; i++)
            _ops.Launch(ScaleAdd(b.Mods.Slice((long)i * 6 * d, 6L * d), _w.Blocks[i].Modulation, b.E0, 1f, 1f, 6L * d));
        for (int j = 0; j < 2; j++)
            _ops.Launch(ScaleAdd(b.HeadMod.Slice((long)j * d, d), _w.HeadModulation.Slice((long)j * d, d), b.E, 1f, 1f, d));
    }

    /// <summary>Head (spec 2.7): <c>head(LN(x)·(1 + (m₁ + e)) + (m₀ + e))</c> on the first L rows into HeadOut (fp32).</summary>
    void HeadForward(WanCudaBuffers b, GpuTensor x, int L)
    {
        int d = Config.Dim;
        _ops.LayerNormForward(b.HeadU, b.HeadMean, b.HeadRstd, x, default, default, L, d, Config.Eps,
            shift: b.HeadMod.Slice(0, d), scale: b.HeadMod.Slice(d, d));
        Lin(_w.Head, b.HeadOut, b.HeadU, L);
    }

    /// <summary>Backward of <see cref="HeadForward"/> from DHead into DX (=; rows ≥ L zero).</summary>
    void HeadBackward(WanCudaBuffers b, GpuTensor x, int L, int S)
    {
        int d = Config.Dim;
        var hw = _w.Head;
        _gemm.BackwardA(b.DA, b.DHead, hw.Weight, L, hw.Out, hw.In);
        _ops.LayerNormBackward(b.DX, default, default, b.DA, x, default, b.HeadMean, b.HeadRstd, L, d, scale: b.HeadMod.Slice(d, d));
        if (S > L) _backend.Fill(b.DX.Slice((long)L * d, (long)(S - L) * d), 0);
    }

    /// <summary>A frozen Linear without adapter: <c>y = x·Wᵀ + b</c>.</summary>
    void Lin(CudaLinear w, GpuTensor y, GpuTensor x, int rows) => _gemm.Forward(y, x, w.Weight, w.Bias, rows, w.Out, w.In);

    /// <summary>
    /// bf16 copy of an fp32 [rows, dim] tensor (round to nearest even) — the gated-residual backward with no gate
    /// (<c>dy = dx</c>, kernels/layernorm_mod.cu) is exactly that conversion.
    /// </summary>
    void ToBf16(GpuTensor dst, GpuTensor src, int rows, int dim) => _ops.GatedResidualBackward(dst, src, default, rows, dim);

    /// <summary>
    /// <c>nw_scale_add_f32</c> (kernels/elementwise.cu): y = fma(α, x, β·r) over n fp32 elements — copies (α = 1, β = 0)
    /// and sums of vectors.
    /// </summary>
    static KernelCall ScaleAdd(GpuTensor y, GpuTensor x, GpuTensor r, float alpha, float beta, long n)
    {
        if (y.DType != DType.F32 || x.DType != DType.F32 || r.DType != DType.F32 || y.Length < n || x.Length < n || r.Length < n)
            throw new ArgumentException($"ScaleAdd: y {y}, x {x}, r {r} must be F32 with {n} elements");
        var c = new KernelCall("elementwise.cu", "nw_scale_add_f32", LaunchShapes.Elementwise(n), LaunchShapes.ElementwiseBlock);
        c.Ptr(y); c.Ptr(x); c.Ptr(r); c.F32(alpha); c.F32(beta); c.I64(n);
        return c;
    }

    /// <summary>Frees the device weights and buffers (the backend and the GEMM stay with the caller).</summary>
    public void Dispose()
    {
        _buf?.Dispose(); _buf = null;
        _lora?.Dispose(); _lora = null;
        _w.Dispose();
        _ops.Dispose();
    }
}
