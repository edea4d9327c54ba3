using static NativeWan.Ops.Cpu.CpuOps;

namespace NativeWan.Models.Wan;

public sealed partial class WanDit
{
    /// <summary>
    /// One WanAttentionBlock (spec 2.6) from <paramref name="x"/> to <paramref name="xOut"/>, saving in
    /// <paramref name="a"/> everything <see cref="BlockBackward"/> needs.
    /// </summary>
    void BlockForward(int i, WanBlockActivations a, float[] x, float[] xOut, Step s, WanTap? tap)
    {
        var cfg = Config; var bw = Weights.Blocks[i]; var sa = bw.SelfAttn; var ca = bw.CrossAttn;
        int d = cfg.Dim, S = s.Seq, T = cfg.TextLen, H = cfg.NumHeads, hd = cfg.HeadDim;
        float eps = cfg.Eps, scale = 1f / MathF.Sqrt(hd);
        var lora = s.Lora; var br = s.Ws.Branch;
        for (int j = 0; j < 6 * d; j++) a.Mod[j] = bw.Modulation[j] + s.E0[j];
        var m = a.Mod;
        bool t0 = tap != null && i == 0;

        // self-attention on LN(x)·(1 + m1) + m0
        LayerNormForward(a.U1, a.Mean1, a.Rstd1, x, default, default, S, d, eps);
        ModulateForward(a.U1, a.U1, m.AsSpan(0, d), m.AsSpan(d, d), S, d);
        LinLora(sa.Q, a.QLin, a.MidSaQ, a.U1, S, lora);
        RmsNormForward(a.Q, a.RstdQ, a.QLin, sa.NormQ, S, d, eps);
        Rope3dForward(a.Q, a.Q, s.Rope, S, H);
        LinLora(sa.K, a.KLin, a.MidSaK, a.U1, S, lora);
        RmsNormForward(a.K, a.RstdK, a.KLin, sa.NormK, S, d, eps);
        Rope3dForward(a.K, a.K, s.Rope, S, H);
        LinLora(sa.V, a.V, a.MidSaV, a.U1, S, lora);
        AttentionForward(a.AttnO, a.Lse, a.Q, a.K, a.V, S, S, H, hd, s.L, scale);
        if (t0)
        {
            tap!("block0.self_attn.q_rope", a.Q); tap("block0.self_attn.k_rope", a.K);
            tap("block0.self_attn.v", a.V); tap("block0.self_attn.attn", a.AttnO);
        }
        LinLora(sa.O, br, a.MidSaO, a.AttnO, S, lora);
        x.AsSpan(0, S * d).CopyTo(a.X1);
        GatedResidualForward(a.X1, br, m.AsSpan(2 * d, d), S, d);

        // cross-attention on norm3(x) against the embedded text, no gate, no mask
        LayerNormForward(a.U3, a.Mean3, a.Rstd3, a.X1, bw.Norm3Weight, bw.Norm3Bias, S, d, eps);
        LinLora(ca.Q, a.CQLin, a.MidCaQ, a.U3, S, lora);
        RmsNormForward(a.CQ, a.RstdCQ, a.CQLin, ca.NormQ, S, d, eps);
        LinLora(ca.K, a.CKLin, a.MidCaK, s.Ws.Ctx, T, lora);
        RmsNormForward(a.CK, a.RstdCK, a.CKLin, ca.NormK, T, d, eps);
        LinLora(ca.V, a.CV, a.MidCaV, s.Ws.Ctx, T, lora);
        AttentionForward(a.CAttnO, a.CLse, a.CQ, a.CK, a.CV, S, T, H, hd, T, scale);
        if (t0)
        {
            tap!("block0.cross_attn.q", a.CQ); tap("block0.cross_attn.k", a.CK); tap("block0.cross_attn.attn", a.CAttnO);
        }
        LinLora(ca.O, br, a.MidCaO, a.CAttnO, S, lora);
        a.X1.AsSpan().CopyTo(a.X2);
        GatedResidualForward(a.X2, br, default, S, d);

        // FFN on LN(x)·(1 + m4) + m3, gated by m5
        LayerNormForward(a.U2, a.Mean2, a.Rstd2, a.X2, default, default, S, d, eps);
        ModulateForward(a.U2, a.U2, m.AsSpan(3 * d, d), m.AsSpan(4 * d, d), S, d);
        LinLora(bw.Ffn0, a.Hf, a.MidF0, a.U2, S, lora);
        GeluTanhForward(a.G, a.Hf, a.G.Length);
        LinLora(bw.Ffn2, br, a.MidF2, a.G, S, lora);
        a.X2.AsSpan().CopyTo(xOut);
        GatedResidualForward(xOut, br, m.AsSpan(5 * d, d), S, d);
    }

    /// <summary>
    /// Backward of <see cref="BlockForward"/> (spec section 10). On entry <paramref name="dX"/> holds d loss / d block
    /// output; on exit d loss / d block input. LoRA gradients are accumulated into <paramref name="grads"/>.
    /// </summary>
    void BlockBackward(int i, WanBlockActivations a, float[] x, float[] dX, Step s, LoraGradients grads)
    {
        var cfg = Config; var bw = Weights.Blocks[i]; var sa = bw.SelfAttn; var ca = bw.CrossAttn;
        int d = cfg.Dim, S = s.Seq, T = cfg.TextLen, H = cfg.NumHeads, hd = cfg.HeadDim;
        float scale = 1f / MathF.Sqrt(hd);
        var lora = s.Lora; var m = a.Mod;
        var b = s.Ws.EnsureGrads();
        var ctx = s.Ws.Ctx;

        // FFN branch: x3 = x2 + ffn(u2)·m5
        GatedResidualBackward(b.DA, dX, m.AsSpan(5 * d, d), S, d);
        LinLoraBackward(bw.Ffn2, b.DF, false, b.DA, a.G, a.MidF2, S, lora, grads, b.DMid);
        GeluTanhBackward(b.DF, b.DF, a.Hf, b.DF.Length);
        LinLoraBackward(bw.Ffn0, b.DB, false, b.DF, a.U2, a.MidF0, S, lora, grads, b.DMid);
        ModulateBackward(b.DB, b.DB, m.AsSpan(4 * d, d), S, d);
        LayerNormBackward(dX, default, default, b.DB, a.X2, default, a.Mean2, a.Rstd2, S, d, accumulate: true);

        // cross-attention branch: x2 = x1 + o(attn(q(norm3 x1), k(ctx), v(ctx)))
        LinLoraBackward(ca.O, b.DB, false, dX, a.CAttnO, a.MidCaO, S, lora, grads, b.DMid);
        AttentionBackward(b.DQ, b.DCK, b.DCV, b.DB, a.CQ, a.CK, a.CV, a.CAttnO, a.CLse, S, T, H, hd, T, scale);
        RmsNormBackward(b.DCKLin, default, b.DCK, a.CKLin, ca.NormK, a.RstdCK, T, d);
        LinLoraBackward(ca.K, default, false, b.DCKLin, ctx, a.MidCaK, T, lora, grads, b.DMid);
        LinLoraBackward(ca.V, default, false, b.DCV, ctx, a.MidCaV, T, lora, grads, b.DMid);
        RmsNormBackward(b.DA, default, b.DQ, a.CQLin, ca.NormQ, a.RstdCQ, S, d);
        LinLoraBackward(ca.Q, b.DB, false, b.DA, a.U3, a.MidCaQ, S, lora, grads, b.DMid);
        LayerNormBackward(dX, default, default, b.DB, a.X1, bw.Norm3Weight, a.Mean3, a.Rstd3, S, d, accumulate: true);

        // self-attention branch: x1 = x + o(attn(rope(q), rope(k), v))·m2
        GatedResidualBackward(b.DA, dX, m.AsSpan(2 * d, d), S, d);
        LinLoraBackward(sa.O, b.DB, false, b.DA, a.AttnO, a.MidSaO, S, lora, grads, b.DMid);
        AttentionBackward(b.DQ, b.DK, b.DV, b.DB, a.Q, a.K, a.V, a.AttnO, a.Lse, S, S, H, hd, s.L, scale);
        Rope3dBackward(b.DQ, b.DQ, s.Rope, S, H);
        Rope3dBackward(b.DK, b.DK, s.Rope, S, H);
        RmsNormBackward(b.DA, default, b.DQ, a.QLin, sa.NormQ, a.RstdQ, S, d);
        LinLoraBackward(sa.Q, b.DB, false, b.DA, a.U1, a.MidSaQ, S, lora, grads, b.DMid);
        RmsNormBackward(b.DA, default, b.DK, a.KLin, sa.NormK, a.RstdK, S, d);
        LinLoraBackward(sa.K, b.DB, true, b.DA, a.U1, a.MidSaK, S, lora, grads, b.DMid);
        LinLoraBackward(sa.V, b.DB, true, b.DV, a.U1, a.MidSaV, S, lora, grads, b.DMid);
        ModulateBackward(b.DB, b.DB, m.AsSpan(d, d), S, d);
        LayerNormBackward(dX, default, default, b.DB, x, default, a.Mean1, a.Rstd1, S, d, accumulate: true);
    }
}
