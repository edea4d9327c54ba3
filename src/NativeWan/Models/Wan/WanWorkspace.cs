namespace NativeWan.Models.Wan;

/// <summary>Saved activations of one block's forward (everything its backward reads). Sized for one (seq, text_len, rank).</summary>
internal sealed class WanBlockActivations
{
    public readonly float[] Mod;
    public readonly float[] Mean1, Rstd1, U1, QLin, KLin, Q, K, V, RstdQ, RstdK, AttnO, Lse;
    public readonly float[] X1, Mean3, Rstd3, U3, CQLin, CQ, RstdCQ, CKLin, CK, CV, RstdCK, CAttnO, CLse;
    public readonly float[] X2, Mean2, Rstd2, U2, Hf, G;
    public readonly float[] MidSaQ, MidSaK, MidSaV, MidSaO, MidCaQ, MidCaK, MidCaV, MidCaO, MidF0, MidF2;

    public WanBlockActivations(int seq, int textLen, int dim, int ffn, int heads, int rank)
    {
        float[] F(long n) => new float[n];
        long sd = (long)seq * dim, td = (long)textLen * dim;
        Mod = F(6L * dim);
        Mean1 = F(seq); Rstd1 = F(seq); U1 = F(sd); QLin = F(sd); KLin = F(sd); Q = F(sd); K = F(sd); V = F(sd);
        RstdQ = F(seq); RstdK = F(seq); AttnO = F(sd); Lse = F((long)heads * seq);
        X1 = F(sd); Mean3 = F(seq); Rstd3 = F(seq); U3 = F(sd); CQLin = F(sd); CQ = F(sd); RstdCQ = F(seq);
        CKLin = F(td); CK = F(td); CV = F(td); RstdCK = F(textLen); CAttnO = F(sd); CLse = F((long)heads * seq);
        X2 = F(sd); Mean2 = F(seq); Rstd2 = F(seq); U2 = F(sd); Hf = F((long)seq * ffn); G = F((long)seq * ffn);
        long sr = (long)seq * rank, tr = (long)textLen * rank;
        MidSaQ = F(sr); MidSaK = F(sr); MidSaV = F(sr); MidSaO = F(sr); MidCaQ = F(sr); MidCaO = F(sr); MidF0 = F(sr); MidF2 = F(sr);
        MidCaK = F(tr); MidCaV = F(tr);
    }
}

/// <summary>Gradient scratch shared by all blocks during a backward pass.</summary>
internal sealed class WanGradBuffers
{
    public readonly float[] DX, DA, DB, DQ, DK, DV, DF, DCK, DCV, DCKLin, DMid;

    public WanGradBuffers(int seq, int textLen, int dim, int ffn, int rank)
    {
        long sd = (long)seq * dim, td = (long)textLen * dim;
        DX = new float[sd]; DA = new float[sd]; DB = new float[sd]; DQ = new float[sd]; DK = new float[sd]; DV = new float[sd];
        DF = new float[(long)seq * ffn];
        DCK = new float[td]; DCV = new float[td]; DCKLin = new float[td];
        DMid = new float[(long)Math.Max(seq, textLen) * Math.Max(rank, 1)];
    }
}

/// <summary>
/// Reusable buffers of <see cref="WanDit"/> for one (seq, rank) combination, so that repeated calls with the same
/// shapes allocate nothing large.
/// </summary>
internal sealed class WanWorkspace
{
    public readonly int Seq, Rank;
    public readonly float[] Ctx, Branch, HeadMod, HeadMean, HeadRstd, HeadU;
    /// <summary>Block inputs (index i) and final output (index layers) of the residual stream.</summary>
    public readonly float[][] Xs;
    public readonly WanBlockActivations Shared;
    public WanBlockActivations[]? PerBlock;
    public WanGradBuffers? Grads;
    readonly WanConfig _cfg;

    public WanWorkspace(WanConfig cfg, int seq, int rank)
    {
        _cfg = cfg; Seq = seq; Rank = rank;
        long sd = (long)seq * cfg.Dim;
        Ctx = new float[(long)cfg.TextLen * cfg.Dim];
        Branch = new float[sd];
        HeadMod = new float[2L * cfg.Dim];
        HeadMean = new float[seq]; HeadRstd = new float[seq]; HeadU = new float[sd];
        Xs = new float[cfg.NumLayers + 1][];
        Shared = NewActivations();
    }

    /// <summary>Residual-stream buffer i (allocated on first use; inference only touches 0 and 1).</summary>
    public float[] X(int i) => Xs[i] ??= new float[(long)Seq * _cfg.Dim];

    /// <summary>Scratch output for a block recomputed during the checkpointed backward (its output is not needed).</summary>
    public float[] Branch2() => _recomputeOut ??= new float[(long)Seq * _cfg.Dim];
    float[]? _recomputeOut;

    public WanBlockActivations NewActivations() =>
        new(Seq, _cfg.TextLen, _cfg.Dim, _cfg.FfnDim, _cfg.NumHeads, Rank);

    public WanBlockActivations[] EnsurePerBlock()
    {
        if (PerBlock == null)
        {
            PerBlock = new WanBlockActivations[_cfg.NumLayers];
            for (int i = 0; i < PerBlock.Length; i++) PerBlock[i] = NewActivations();
        }
        return PerBlock;
    }

    public WanGradBuffers EnsureGrads() => Grads ??= new WanGradBuffers(Seq, _cfg.TextLen, _cfg.Dim, _cfg.FfnDim, Rank);
}
