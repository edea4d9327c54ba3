using NativeWan.Numerics;
using NativeWan.Ops.Cpu;
using NativeWan.Ops.Cuda;

namespace NativeWan.Models.Wan.Cuda;

/// <summary>
/// Saved activations of one block's forward: everything its backward reads (twin of the CPU's WanBlockActivations).
/// S = seq (padded tokens), T = text_len, d = dim, f = ffn_dim, H = heads, r = largest LoRA rank (≥ 1).
/// </summary>
internal sealed class WanCudaBlockTensors
{
    // self-attention
    public GpuTensor Mean1, Rstd1;       // f32 [S]         LayerNorm statistics of x
    public GpuTensor U1;                 // bf16 [S, d]     LN(x)·(1 + m1) + m0
    public GpuTensor QLin, KLin;         // bf16 [S, d]     q, k projections before RMSNorm
    public GpuTensor RstdQ, RstdK;       // f32 [S]
    public GpuTensor Q, K, V;            // bf16 [S, d]     RMSNorm + RoPE applied to q, k; v as projected
    public GpuTensor AttnO;              // bf16 [S, d]     attention output
    public GpuTensor Lse;                // f32 [H, S]      log-sum-exp per (head, query)
    public GpuTensor X1;                 // f32 [S, d]      x + o(attn)·m2
    // cross-attention
    public GpuTensor Mean3, Rstd3;       // f32 [S]
    public GpuTensor U3;                 // bf16 [S, d]     norm3(x1) (affine)
    public GpuTensor CQLin, CQ;          // bf16 [S, d]
    public GpuTensor RstdCQ;             // f32 [S]
    public GpuTensor CKLin, CK, CV;      // bf16 [T, d]
    public GpuTensor RstdCK;             // f32 [T]
    public GpuTensor CAttnO;             // bf16 [S, d]
    public GpuTensor CLse;               // f32 [H, S]
    public GpuTensor X2;                 // f32 [S, d]      x1 + o(cross attn)
    // FFN
    public GpuTensor Mean2, Rstd2;       // f32 [S]
    public GpuTensor U2;                 // bf16 [S, d]     LN(x2)·(1 + m4) + m3
    public GpuTensor Hf, G;              // bf16 [S, f]     ffn.0 output, GELU(ffn.0)
    // LoRA mids x·Aᵀ of the ten adapters
    public GpuTensor MidSaQ, MidSaK, MidSaV, MidSaO, MidCaQ, MidCaO, MidF0, MidF2; // f32 [S, r]
    public GpuTensor MidCaK, MidCaV;     // f32 [T, r]

    public static WanCudaBlockTensors Take(DeviceArena a, int S, int T, int d, int f, int H, int r, string p)
    {
        long sd = (long)S * d, td = (long)T * d, sr = (long)S * r, tr = (long)T * r;
        GpuTensor B(long n, string w) => a.Take(n, DType.BF16, p + w);
        GpuTensor F(long n, string w) => a.Take(n, DType.F32, p + w);
        return new WanCudaBlockTensors
        {
            Mean1 = F(S, "mean1"), Rstd1 = F(S, "rstd1"), U1 = B(sd, "u1"), QLin = B(sd, "q_lin"), KLin = B(sd, "k_lin"),
            RstdQ = F(S, "rstd_q"), RstdK = F(S, "rstd_k"), Q = B(sd, "q"), K = B(sd, "k"), V = B(sd, "v"), AttnO = B(sd, "attn"),
            Lse = F((long)H * S, "lse"), X1 = F(sd, "x1"),
            Mean3 = F(S, "mean3"), Rstd3 = F(S, "rstd3"), U3 = B(sd, "u3"), CQLin = B(sd, "cq_lin"), CQ = B(sd, "cq"),
            RstdCQ = F(S, "rstd_cq"), CKLin = B(td, "ck_lin"), CK = B(td, "ck"), CV = B(td, "cv"), RstdCK = F(T, "rstd_ck"),
            CAttnO = B(sd, "cattn"), CLse = F((long)H * S, "clse"), X2 = F(sd, "x2"),
            Mean2 = F(S, "mean2"), Rstd2 = F(S, "rstd2"), U2 = B(sd, "u2"), Hf = B((long)S * f, "ffn0"), G = B((long)S * f, "gelu"),
            MidSaQ = F(sr, "mid sa.q"), MidSaK = F(sr, "mid sa.k"), MidSaV = F(sr, "mid sa.v"), MidSaO = F(sr, "mid sa.o"),
            MidCaQ = F(sr, "mid ca.q"), MidCaO = F(sr, "mid ca.o"), MidF0 = F(sr, "mid ffn.0"), MidF2 = F(sr, "mid ffn.2"),
            MidCaK = F(tr, "mid ca.k"), MidCaV = F(tr, "mid ca.v"),
        };
    }
}

/// <summary>
/// Every device buffer of one training step for one (latent shape, seq, rank, checkpointing) — the allocation plan,
/// llm.c ActivationTensors style: laid out once by <see cref="Create"/> into one <see cref="DeviceArena"/> and reused
/// by every step with the same key. n = C·F·H·W latent elements, L = latent tokens, S = seq ≥ L, W = head width
/// pt·ph·pw·out_dim, P = in_dim·pt·ph·pw (token width), ℓ = layers; other letters as <see cref="WanCudaBlockTensors"/>.
/// </summary>
internal sealed class WanCudaBuffers : IDisposable
{
    public required Key For;
    // inputs
    public GpuTensor X0, Noise;          // f32 [n]
    public GpuTensor In;                 // f32 [in_dim, F, H, W]: x_t (first n) then the I2V conditioning y
    public GpuTensor Timestep;           // f64 [1]
    public GpuTensor Context;            // bf16 [T, text_dim] zero-padded text embeddings
    public GpuTensor Tokens;             // bf16 [L, P] patchified input
    // embeddings
    public GpuTensor Sin;                // f32 [freq_dim]
    public GpuTensor SinB;               // bf16 [freq_dim]
    public GpuTensor TimeH;              // f32 [d]  time_embedding.0 output, SiLU applied; later SiLU(e)
    public GpuTensor TimeHB;             // bf16 [d] bf16 copy of TimeH (GEMM operand)
    public GpuTensor E;                  // f32 [d]  time embedding e
    public GpuTensor E0;                 // f32 [6, d] time projection e0
    public GpuTensor TextH;              // bf16 [T, d] GELU(text_embedding.0)
    public GpuTensor Ctx;                // bf16 [T, d] embedded text
    public GpuTensor Mods;               // f32 [ℓ, 6, d] block modulation + e0
    public GpuTensor HeadMod;            // f32 [2, d] head modulation + e
    // residual stream
    public required GpuTensor[] Xs;      // f32 [S, d] × (ℓ + 1): block inputs (the checkpoints) and the final output
    public GpuTensor Recompute;          // f32 [S, d] output of a block recomputed in the backward (discarded)
    public GpuTensor Branch;             // bf16 [S, d] output of the o / ffn.2 projections
    public WanCudaBlockTensors? Shared;  // checkpointing: the one set of block activations
    public WanCudaBlockTensors[]? PerBlock; // no checkpointing: one set per block
    // head and loss
    public GpuTensor HeadMean, HeadRstd; // f32 [S]
    public GpuTensor HeadU;              // bf16 [S, d]
    public GpuTensor HeadOut;            // f32 [L, W]
    public GpuTensor Pred, DPred;        // f32 [n]
    public GpuTensor Loss;               // f32 [1]
    public GpuTensor LossPartials;       // f64 [LaunchShapes.LossBlocks(n)]
    // backward scratch
    public GpuTensor DHead;              // bf16 [L, W]
    public GpuTensor DX;                 // f32 [S, d] d loss / d residual stream
    public GpuTensor DA, DB, DQ, DK, DV; // bf16 [S, d]
    public GpuTensor DF;                 // bf16 [S, f]
    public GpuTensor DCK, DCV, DCKLin;   // bf16 [T, d]
    public GpuTensor DMid;               // f32 [max(S, T), r]
    public GpuTensor Delta;              // f32 [H, S] attention-backward scratch
    public GpuTensor DTokens;            // f32 [L, P]
    public GpuTensor DIn;                // f32 [in_dim, F, H, W]
    public GpuTensor DX0;                // f32 [n]
    // RoPE angle tables (fp32 cos/sin, per axis)
    public required RopeDeviceTable Rope;
    DeviceArena? _arena;

    /// <summary>What a plan is sized for.</summary>
    public readonly record struct Key(LatentShape Shape, int Seq, int Rank, bool Checkpointing);

    /// <summary>Lays out, allocates and initializes (RoPE tables) the buffers for <paramref name="key"/>.</summary>
    public static WanCudaBuffers Create(WanConfig cfg, Key key, IKernelBackend backend, bool perTensor)
    {
        var measure = DeviceArena.Measure();
        Layout(measure, cfg, key);
        var arena = perTensor ? DeviceArena.PerTensor(backend) : DeviceArena.Block(backend, measure.Bytes, "DiT training-step buffers");
        try
        {
            var b = Layout(arena, cfg, key);
            b._arena = arena;
            var (f, h, w) = RopeDeviceTable.HostTables(RopeOf(cfg, key.Shape));
            backend.Upload<float>(b.Rope.CosSinF, f);
            backend.Upload<float>(b.Rope.CosSinH, h);
            backend.Upload<float>(b.Rope.CosSinW, w);
            return b;
        }
        catch { arena.Dispose(); throw; }
    }

    public static PatchGeometry InGeometry(WanConfig cfg, LatentShape s) =>
        new(cfg.InDim, s.Frames, s.Height, s.Width, cfg.PatchSize.T, cfg.PatchSize.H, cfg.PatchSize.W);

    public static PatchGeometry OutGeometry(WanConfig cfg, LatentShape s) =>
        new(cfg.OutDim, s.Frames, s.Height, s.Width, cfg.PatchSize.T, cfg.PatchSize.H, cfg.PatchSize.W);

    static RopeTable RopeOf(WanConfig cfg, LatentShape s)
    {
        var g = InGeometry(cfg, s);
        return new RopeTable(cfg.HeadDim, g.GridF, g.GridH, g.GridW);
    }

    static WanCudaBuffers Layout(DeviceArena a, WanConfig cfg, Key key)
    {
        int S = key.Seq, T = cfg.TextLen, d = cfg.Dim, f = cfg.FfnDim, H = cfg.NumHeads, r = Math.Max(key.Rank, 1), layers = cfg.NumLayers;
        var inGeo = InGeometry(cfg, key.Shape);
        var outGeo = OutGeometry(cfg, key.Shape);
        int L = inGeo.Tokens;
        long n = key.Shape.Elements, sd = (long)S * d, td = (long)T * d;
        GpuTensor B(long count, string w) => a.Take(count, DType.BF16, w);
        GpuTensor F(long count, string w) => a.Take(count, DType.F32, w);

        var xs = new GpuTensor[layers + 1];
        for (int i = 0; i <= layers; i++) xs[i] = F(sd, $"x{i}");
        var table = RopeOf(cfg, key.Shape);
        var ropeF = F(2L * table.GridF * table.PairsF, "rope f");
        var ropeH = F(2L * table.GridH * table.PairsH, "rope h");
        var ropeW = F(2L * table.GridW * table.PairsW, "rope w");
        var b = new WanCudaBuffers
        {
            For = key, Xs = xs,
            Rope = RopeDeviceTable.Describe(table, ropeF.Pointer, ropeH.Pointer, ropeW.Pointer),
            X0 = F(n, "x0"), Noise = F(n, "noise"), In = F(inGeo.LatentElements, "x_t ; y"),
            Timestep = a.Take(1, DType.F64, "timestep"), Context = B((long)T * cfg.TextDim, "context"),
            Tokens = B((long)L * inGeo.TokenWidth, "tokens"),
            Sin = F(cfg.FreqDim, "sinusoid"), SinB = B(cfg.FreqDim, "sinusoid bf16"), TimeH = F(d, "time hidden"), TimeHB = B(d, "time hidden bf16"),
            E = F(d, "e"), E0 = F(6L * d, "e0"), TextH = B(td, "text hidden"), Ctx = B(td, "ctx"),
            Mods = F((long)layers * 6 * d, "block modulation"), HeadMod = F(2L * d, "head modulation"),
            Recompute = key.Checkpointing ? F(sd, "recomputed block output") : default,
            Branch = B(sd, "branch"),
            HeadMean = F(S, "head mean"), HeadRstd = F(S, "head rstd"), HeadU = B(sd, "head u"),
            HeadOut = F((long)L * outGeo.TokenWidth, "head out"), Pred = F(n, "pred"), DPred = F(n, "dpred"), Loss = F(1, "loss"),
            LossPartials = a.Take(LaunchShapes.LossBlocks(n), DType.F64, "loss partials"),
            DHead = B((long)L * outGeo.TokenWidth, "d head"), DX = F(sd, "dx"),
            DA = B(sd, "da"), DB = B(sd, "db"), DQ = B(sd, "dq"), DK = B(sd, "dk"), DV = B(sd, "dv"), DF = B((long)S * f, "dffn"),
            DCK = B(td, "dck"), DCV = B(td, "dcv"), DCKLin = B(td, "dck_lin"), DMid = F((long)Math.Max(S, T) * r, "dmid"),
            Delta = F((long)H * S, "attention delta"), DTokens = F((long)L * inGeo.TokenWidth, "d tokens"), DIn = F(inGeo.LatentElements, "d input"),
            DX0 = F(n, "dx0"),
        };
        if (key.Checkpointing) b.Shared = WanCudaBlockTensors.Take(a, S, T, d, f, H, r, "block ");
        else
        {
            b.PerBlock = new WanCudaBlockTensors[layers];
            for (int i = 0; i < layers; i++) b.PerBlock[i] = WanCudaBlockTensors.Take(a, S, T, d, f, H, r, $"block {i} ");
        }
        return b;
    }

    /// <summary>The activations block <paramref name="i"/> saves into.</summary>
    public WanCudaBlockTensors Acts(int i) => PerBlock?[i] ?? Shared!;

    public void Dispose()
    {
        _arena?.Dispose();
        _arena = null;
    }
}
