using NativeWan.IO;
using NativeWan.Lora;
using NativeWan.Ops.Cpu;
using static NativeWan.Ops.Cpu.CpuOps;

namespace NativeWan.Models.Wan;

/// <summary>
/// Float32 CPU reference of the Wan 2.2 DiT (spec sections 2, 4.1, 10; golden README section 1): forward pass for
/// T2V/I2V/TI2V checkpoints with optional LoRA, and a LoRA training step (flow-matching loss, backward through the
/// whole block stack with the base weights frozen). Batch size 1; one scalar timestep per call.
/// Not thread-safe: an instance reuses its buffers between calls.
/// </summary>
public sealed partial class WanDit
{
    /// <summary>The hyper-parameters.</summary>
    public WanConfig Config { get; }
    /// <summary>The frozen weights.</summary>
    public WanWeights Weights { get; }

    readonly string[][] _loraPaths;
    WanWorkspace? _ws;

    /// <summary>Wraps loaded weights.</summary>
    public WanDit(WanWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        Weights = weights;
        Config = weights.Config;
        _loraPaths = new string[Config.NumLayers][];
        for (int i = 0; i < Config.NumLayers; i++)
        {
            var b = weights.Blocks[i];
            _loraPaths[i] = [b.SelfAttn.Q.Path, b.SelfAttn.K.Path, b.SelfAttn.V.Path, b.SelfAttn.O.Path,
                b.CrossAttn.Q.Path, b.CrossAttn.K.Path, b.CrossAttn.V.Path, b.CrossAttn.O.Path, b.Ffn0.Path, b.Ffn2.Path];
        }
    }

    /// <summary>Reads configuration (<see cref="WanConfig.FromWeights"/>) and weights from a checkpoint.</summary>
    /// <exception cref="ModelFileException">Missing or mis-shaped tensors.</exception>
    public static WanDit Load(ITensorSource src, int? headDim = null, int? textLen = null) =>
        new(WanWeights.Load(src, WanConfig.FromWeights(src, headDim, textLen)));

    /// <summary>
    /// The LoRA target paths in musubi order (per block: self_attn q,k,v,o; cross_attn q,k,v,o; ffn.0; ffn.2).
    /// </summary>
    public IEnumerable<string> LoraTargets => _loraPaths.SelectMany(p => p);

    /// <summary>
    /// Velocity prediction <c>v = DiT(x, t, context[, y])</c> (spec 2.2–2.7).
    /// </summary>
    /// <param name="latent">Noisy latent [C, F, H, W] with C = out_dim.</param>
    /// <param name="shape">Shape of <paramref name="latent"/>.</param>
    /// <param name="timestep">t on the 0…1000 scale, used as given.</param>
    /// <param name="context">Text embeddings [rows, text_dim], rows ≤ text_len (zero-padded to text_len here).</param>
    /// <param name="cond">I2V conditioning y [in_dim − C, F, H, W] (mask + image latent); empty for T2V/TI2V.</param>
    /// <param name="lora">Adapters to apply (null = base model).</param>
    /// <param name="seqLen">Padded token count ≥ F·H·W/(pt·ph·pw); padding keys are masked (official <c>seq_len</c>).</param>
    /// <param name="tap">Receives intermediates (see <see cref="WanTap"/>).</param>
    /// <returns>[out_dim, F, H, W].</returns>
    /// <exception cref="ArgumentException">Inconsistent shapes or a LoRA module that does not fit its Linear.</exception>
    public float[] Forward(ReadOnlySpan<float> latent, LatentShape shape, float timestep, ReadOnlySpan<float> context,
        ReadOnlySpan<float> cond = default, LoraNetwork? lora = null, int? seqLen = null, WanTap? tap = null)
    {
        var s = Prepare(latent, shape, timestep, context, cond, lora, seqLen, tap);
        var ws = s.Ws;
        for (int i = 0; i < Config.NumLayers; i++)
        {
            var xin = ws.X(i & 1); var xout = ws.X((i + 1) & 1);
            BlockForward(i, ws.Shared, xin, xout, s, tap);
            if (tap != null) tap($"block{i}.out", xout.AsSpan(0, s.Seq * Config.Dim));
        }
        var headOut = new float[(long)s.L * s.HeadWidth];
        HeadForward(ws.X(Config.NumLayers & 1), headOut, s);
        tap?.Invoke("head", headOut);
        var y = new float[(long)Config.OutDim * shape.Frames * shape.Height * shape.Width];
        UnpatchifyForward(y, headOut, s.OutGeometry, channelInnermost: true);
        return y;
    }

    /// <summary>Per-call state shared by the blocks.</summary>
    internal sealed class Step
    {
        public required WanWorkspace Ws;
        public required int L, Seq, HeadWidth;
        public required PatchGeometry InGeometry, OutGeometry;
        public required RopeTable Rope;
        public required float[] E, E0;
        public required LoraNetwork? Lora;
    }

    /// <summary>Validates inputs, embeds patches, timestep and text; leaves the block-0 input in Ws.X(0).</summary>
    Step Prepare(ReadOnlySpan<float> latent, LatentShape shape, float timestep, ReadOnlySpan<float> context,
        ReadOnlySpan<float> cond, LoraNetwork? lora, int? seqLen, WanTap? tap)
    {
        var cfg = Config;
        int d = cfg.Dim;
        if (latent.Length != shape.Elements) throw new ArgumentException($"latent has {latent.Length} elements but shape {shape} needs {shape.Elements}", nameof(latent));
        int ctxRows = cfg.ValidateInputs(shape, context, cond);

        var (pt, ph, pw) = cfg.PatchSize;
        var inGeo = new PatchGeometry(cfg.InDim, shape.Frames, shape.Height, shape.Width, pt, ph, pw);
        var outGeo = new PatchGeometry(cfg.OutDim, shape.Frames, shape.Height, shape.Width, pt, ph, pw);
        int L = inGeo.Tokens, seq = seqLen ?? L;
        if (seq < L) throw new ArgumentException($"seqLen {seq} is below the {L} tokens of the latent", nameof(seqLen));
        int rank = MaxRank(lora);
        if (_ws == null || _ws.Seq != seq || _ws.Rank != rank) _ws = new WanWorkspace(cfg, seq, rank);
        var ws = _ws;

        // 1) patch embedding of [x ; y] (spec 2.2) into rows 0..L-1; padding rows are zero
        var inp = new float[inGeo.LatentElements];
        latent.CopyTo(inp);
        cond.CopyTo(inp.AsSpan((int)shape.Elements));
        var tokens = new float[(long)L * inGeo.TokenWidth];
        PatchifyForward(tokens, inp, inGeo, channelInnermost: false);
        var x0 = ws.X(0);
        var pe = Weights.PatchEmbedding;
        LinearForward(x0, default, tokens, pe.Weight, pe.Bias, default, default, 0, L, pe.In, pe.Out, 0);
        Array.Clear(x0, L * d, (seq - L) * d);
        tap?.Invoke("patch_embed", x0.AsSpan(0, L * d));

        // 2) timestep embedding (spec 2.3): one value for every token
        var sin = new float[cfg.FreqDim];
        SinusoidalEmbeddingForward(sin, timestep, cfg.FreqDim);
        var h = new float[d];
        var e = new float[d];
        var e0 = new float[6 * d];
        Lin(Weights.TimeEmbedding0, h, sin, 1);
        SiluForward(h, h, d);
        Lin(Weights.TimeEmbedding2, e, h, 1);
        SiluForward(h, e, d);
        Lin(Weights.TimeProjection, e0, h, 1);
        tap?.Invoke("time_embedding", e);
        tap?.Invoke("time_projection", e0);

        // 3) text embedding of the zero-padded context (spec 2.4)
        var padded = new float[(long)cfg.TextLen * cfg.TextDim];
        context.CopyTo(padded);
        var th = new float[(long)cfg.TextLen * d];
        Lin(Weights.TextEmbedding0, th, padded, cfg.TextLen);
        GeluTanhForward(th, th, th.Length);
        Lin(Weights.TextEmbedding2, ws.Ctx, th, cfg.TextLen);
        tap?.Invoke("text_embedding", ws.Ctx);

        return new Step
        {
            Ws = ws, L = L, Seq = seq, HeadWidth = Weights.Head.Out, InGeometry = inGeo, OutGeometry = outGeo,
            Rope = new RopeTable(cfg.HeadDim, inGeo.GridF, inGeo.GridH, inGeo.GridW), E = e, E0 = e0, Lora = lora,
        };
    }

    /// <summary>Head (spec 2.7): <c>head(LN(x)·(1 + (m₁ + e)) + (m₀ + e))</c> on the first L rows.</summary>
    void HeadForward(float[] x, float[] headOut, Step s)
    {
        var ws = s.Ws;
        int d = Config.Dim;
        for (int j = 0; j < 2 * d; j++) ws.HeadMod[j] = Weights.HeadModulation[j] + s.E[j % d];
        LayerNormForward(ws.HeadU, ws.HeadMean, ws.HeadRstd, x, default, default, s.L, d, Config.Eps);
        ModulateForward(ws.HeadU, ws.HeadU, ws.HeadMod.AsSpan(0, d), ws.HeadMod.AsSpan(d, d), s.L, d);
        Lin(Weights.Head, headOut, ws.HeadU, s.L);
    }

    /// <summary>Backward of <see cref="HeadForward"/> into dX (rows ≥ L set to zero).</summary>
    void HeadBackward(float[] x, float[] dHead, float[] dX, Step s)
    {
        var ws = s.Ws;
        var g = ws.EnsureGrads();
        int d = Config.Dim;
        var hw = Weights.Head;
        LinearBackward(g.DA, default, default, default, dHead, default, hw.Weight, default, default, default, 0, s.L, hw.In, hw.Out, 0);
        ModulateBackward(g.DA, g.DA, ws.HeadMod.AsSpan(d, d), s.L, d);
        LayerNormBackward(dX, default, default, g.DA, x, default, ws.HeadMean, ws.HeadRstd, s.L, d);
        Array.Clear(dX, s.L * d, (s.Seq - s.L) * d);
    }

    /// <summary>Plain frozen Linear (no LoRA).</summary>
    static void Lin(WanLinear w, Span<float> output, ReadOnlySpan<float> input, int rows) =>
        LinearForward(output, default, input, w.Weight, w.Bias, default, default, 0, rows, w.In, w.Out, 0);

    /// <summary>The LoRA module on <paramref name="w"/>, checked against its shape.</summary>
    static LoraModule? Adapter(LoraNetwork? lora, WanLinear w)
    {
        var m = lora?.Find(w.Path);
        if (m != null && (m.In != w.In || m.Out != w.Out))
            throw new ArgumentException($"LoRA module '{w.Path}' is [{m.Out}×{m.In}] but the Linear is [{w.Out}×{w.In}]");
        return m;
    }

    /// <summary>Linear with the LoRA of its path (if any).</summary>
    static void LinLora(WanLinear w, Span<float> output, Span<float> mid, ReadOnlySpan<float> input, int rows, LoraNetwork? lora)
    {
        var m = Adapter(lora, w);
        if (m == null) LinearForward(output, default, input, w.Weight, w.Bias, default, default, 0, rows, w.In, w.Out, 0);
        else LinearForward(output, mid, input, w.Weight, w.Bias, m.Down, m.Up, m.Scale * lora!.Multiplier, rows, w.In, w.Out, m.Rank);
    }

    /// <summary>Backward of <see cref="LinLora"/>: input gradient (unless empty) and LoRA gradients.</summary>
    static void LinLoraBackward(WanLinear w, Span<float> dinput, bool accumulate, ReadOnlySpan<float> dout, ReadOnlySpan<float> input,
        ReadOnlySpan<float> mid, int rows, LoraNetwork? lora, LoraGradients? grads, float[] dMid)
    {
        var m = Adapter(lora, w);
        if (m == null)
        {
            if (!dinput.IsEmpty) LinearBackward(dinput, default, default, default, dout, default, w.Weight, default, default, default, 0, rows, w.In, w.Out, 0, accumulate);
            return;
        }
        var g = grads?.Find(w.Path) ?? throw new ArgumentException($"no gradient buffer for LoRA module '{w.Path}'", nameof(grads));
        LinearBackward(dinput, g.DDown, g.DUp, dMid, dout, input, w.Weight, m.Down, m.Up, mid, m.Scale * lora!.Multiplier,
            rows, w.In, w.Out, m.Rank, accumulate);
    }

    static int MaxRank(LoraNetwork? lora)
    {
        int r = 0;
        if (lora != null) foreach (var m in lora.Modules) r = Math.Max(r, m.Rank);
        return r;
    }
}
