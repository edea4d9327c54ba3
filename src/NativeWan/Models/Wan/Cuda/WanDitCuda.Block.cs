using NativeWan.Ops.Cuda;

namespace NativeWan.Models.Wan.Cuda;

public sealed partial class WanDitCuda
{
    /// <summary>
    /// One WanAttentionBlock (spec 2.6) from <paramref name="x"/> to <paramref name="xOut"/> (fp32 [S, d]), saving in
    /// <paramref name="a"/> everything <see cref="BlockBackward"/> needs. Same call sequence as the CPU's
    /// WanDit.BlockForward; LayerNorm and the adaLN modulation are one fused kernel.
    /// </summary>
    void BlockForward(int i, WanCudaBlockTensors a, GpuTensor x, GpuTensor xOut, WanCudaBuffers b, int L, int S)
    {
        var cfg = Config; var bw = _w.Blocks[i]; var sa = bw.SelfAttn; var ca = bw.CrossAttn;
        int d = cfg.Dim, T = cfg.TextLen, H = cfg.NumHeads, hd = cfg.HeadDim;
        float eps = cfg.Eps, scale = 1f / MathF.Sqrt(hd);
        var m = Mod(b, i);
        var br = b.Branch;
        int t = i * WanCudaLora.TargetsPerBlock;

        // self-attention on LN(x)·(1 + m1) + m0
        _ops.LayerNormForward(a.U1, a.Mean1, a.Rstd1, x, default, default, S, d, eps, shift: M(m, 0), scale: M(m, 1));
        LinLora(sa.Q, a.QLin, a.MidSaQ, a.U1, S, t + 0);
        _ops.RmsNormForward(a.Q, a.RstdQ, a.QLin, sa.NormQ, S, d, eps);
        _ops.Rope3dForward(a.Q, a.Q, b.Rope, S, H);
        LinLora(sa.K, a.KLin, a.MidSaK, a.U1, S, t + 1);
        _ops.RmsNormForward(a.K, a.RstdK, a.KLin, sa.NormK, S, d, eps);
        _ops.Rope3dForward(a.K, a.K, b.Rope, S, H);
        LinLora(sa.V, a.V, a.MidSaV, a.U1, S, t + 2);
        _ops.AttentionForward(a.AttnO, a.Lse, a.Q, a.K, a.V, S, S, H, hd, L, scale);
        LinLora(sa.O, br, a.MidSaO, a.AttnO, S, t + 3);
        Copy(a.X1, x, (long)S * d);
        _ops.GatedResidualForward(a.X1, br, M(m, 2), S, d);

        // cross-attention on norm3(x1) against the embedded text, no gate, no mask
        _ops.LayerNormForward(a.U3, a.Mean3, a.Rstd3, a.X1, bw.Norm3Weight, bw.Norm3Bias, S, d, eps);
        LinLora(ca.Q, a.CQLin, a.MidCaQ, a.U3, S, t + 4);
        _ops.RmsNormForward(a.CQ, a.RstdCQ, a.CQLin, ca.NormQ, S, d, eps);
        LinLora(ca.K, a.CKLin, a.MidCaK, b.Ctx, T, t + 5);
        _ops.RmsNormForward(a.CK, a.RstdCK, a.CKLin, ca.NormK, T, d, eps);
        LinLora(ca.V, a.CV, a.MidCaV, b.Ctx, T, t + 6);
        _ops.AttentionForward(a.CAttnO, a.CLse, a.CQ, a.CK, a.CV, S, T, H, hd, T, scale);
        LinLora(ca.O, br, a.MidCaO, a.CAttnO, S, t + 7);
        Copy(a.X2, a.X1, (long)S * d);
        _ops.GatedResidualForward(a.X2, br, default, S, d);

        // FFN on LN(x2)·(1 + m4) + m3, gated by m5
        _ops.LayerNormForward(a.U2, a.Mean2, a.Rstd2, a.X2, default, default, S, d, eps, shift: M(m, 3), scale: M(m, 4));
        LinLora(bw.Ffn0, a.Hf, a.MidF0, a.U2, S, t + 8);
        _ops.GeluTanhForward(a.G, a.Hf, (long)S * cfg.FfnDim);
        LinLora(bw.Ffn2, br, a.MidF2, a.G, S, t + 9);
        Copy(xOut, a.X2, (long)S * d);
        _ops.GatedResidualForward(xOut, br, M(m, 5), S, d);
    }

    /// <summary>
    /// Backward of <see cref="BlockForward"/> (spec section 10; the CPU's WanDit.BlockBackward step for step). On entry
    /// b.DX holds d loss / d block output, on exit d loss / d block input; LoRA gradients are accumulated (+=) on the
    /// device.
    /// </summary>
    void BlockBackward(int i, WanCudaBlockTensors a, GpuTensor x, WanCudaBuffers b, int L, int S)
    {
        var cfg = Config; var bw = _w.Blocks[i]; var sa = bw.SelfAttn; var ca = bw.CrossAttn;
        int d = cfg.Dim, T = cfg.TextLen, H = cfg.NumHeads, hd = cfg.HeadDim;
        float scale = 1f / MathF.Sqrt(hd);
        var m = Mod(b, i);
        var dX = b.DX;
        int t = i * WanCudaLora.TargetsPerBlock;

        // FFN branch: x3 = x2 + ffn(u2)·m5
        _ops.GatedResidualBackward(b.DA, dX, M(m, 5), S, d);
        LinLoraBackward(bw.Ffn2, b.DF, false, b.DA, a.G, a.MidF2, S, t + 9, b);
        _ops.GeluTanhBackward(b.DF, b.DF, a.Hf, (long)S * cfg.FfnDim);
        LinLoraBackward(bw.Ffn0, b.DB, false, b.DF, a.U2, a.MidF0, S, t + 8, b);
        _ops.LayerNormBackward(dX, default, default, b.DB, a.X2, default, a.Mean2, a.Rstd2, S, d, accumulate: true, scale: M(m, 4));

        // cross-attention branch: x2 = x1 + o(attn(q(norm3 x1), k(ctx), v(ctx)))
        ToBf16(b.DA, dX, S, d);
        LinLoraBackward(ca.O, b.DB, false, b.DA, a.CAttnO, a.MidCaO, S, t + 7, b);
        _ops.AttentionBackward(b.DQ, b.DCK, b.DCV, b.DB, a.CQ, a.CK, a.CV, a.CAttnO, a.CLse, S, T, H, hd, T, scale, b.Delta);
        _ops.RmsNormBackward(b.DCKLin, default, b.DCK, a.CKLin, ca.NormK, a.RstdCK, T, d);
        LinLoraBackward(ca.K, default, false, b.DCKLin, b.Ctx, a.MidCaK, T, t + 5, b);
        LinLoraBackward(ca.V, default, false, b.DCV, b.Ctx, a.MidCaV, T, t + 6, b);
        _ops.RmsNormBackward(b.DA, default, b.DQ, a.CQLin, ca.NormQ, a.RstdCQ, S, d);
        LinLoraBackward(ca.Q, b.DB, false, b.DA, a.U3, a.MidCaQ, S, t + 4, b);
        _ops.LayerNormBackward(dX, default, default, b.DB, a.X1, bw.Norm3Weight, a.Mean3, a.Rstd3, S, d, accumulate: true);

        // self-attention branch: x1 = x + o(attn(rope(q), rope(k), v))·m2
        _ops.GatedResidualBackward(b.DA, dX, M(m, 2), S, d);
        LinLoraBackward(sa.O, b.DB, false, b.DA, a.AttnO, a.MidSaO, S, t + 3, b);
        _ops.AttentionBackward(b.DQ, b.DK, b.DV, b.DB, a.Q, a.K, a.V, a.AttnO, a.Lse, S, S, H, hd, L, scale, b.Delta);
        _ops.Rope3dBackward(b.DQ, b.DQ, b.Rope, S, H);
        _ops.Rope3dBackward(b.DK, b.DK, b.Rope, S, H);
        _ops.RmsNormBackward(b.DA, default, b.DQ, a.QLin, sa.NormQ, a.RstdQ, S, d);
        LinLoraBackward(sa.Q, b.DB, false, b.DA, a.U1, a.MidSaQ, S, t + 0, b);
        _ops.RmsNormBackward(b.DA, default, b.DK, a.KLin, sa.NormK, a.RstdK, S, d);
        LinLoraBackward(sa.K, b.DB, true, b.DA, a.U1, a.MidSaK, S, t + 1, b);
        LinLoraBackward(sa.V, b.DB, true, b.DV, a.U1, a.MidSaV, S, t + 2, b);
        _ops.LayerNormBackward(dX, default, default, b.DB, x, default, a.Mean1, a.Rstd1, S, d, accumulate: true, scale: M(m, 1));
    }

    /// <summary>m_i = modulation_i + e0, fp32 [6, d].</summary>
    GpuTensor Mod(WanCudaBuffers b, int i) => b.Mods.Slice((long)i * 6 * Config.Dim, 6L * Config.Dim);

    /// <summary>Chunk k of a [6, d] modulation (0 shift, 1 scale, 2 gate of self-attention; 3, 4, 5 of the FFN).</summary>
    GpuTensor M(GpuTensor m, int k) => m.Slice((long)k * Config.Dim, Config.Dim);

    /// <summary>fp32 copy of n elements.</summary>
    void Copy(GpuTensor dst, GpuTensor src, long n) => _ops.Launch(ScaleAdd(dst, src, src, 1f, 0f, n));

    /// <summary>Linear with the LoRA of target slot <paramref name="slot"/> (if any): y = x·Wᵀ + b [+ s·(x·Aᵀ)·Bᵀ].</summary>
    void LinLora(CudaLinear w, GpuTensor y, GpuTensor mid, GpuTensor x, int rows, int slot)
    {
        var l = _lora!.Slots[slot];
        if (l == null) _ops.LinearForward(y, default, x, w.Weight, w.Bias, default, default, 0, rows, w.In, w.Out, 0);
        else _ops.LinearForward(y, mid, x, w.Weight, w.Bias, l.Down, l.Up, l.Scale, rows, w.In, w.Out, l.Rank);
    }

    /// <summary>Backward of <see cref="LinLora"/>: dx (= or +=, skipped when null) and the LoRA gradients (+=).</summary>
    void LinLoraBackward(CudaLinear w, GpuTensor dx, bool accumulate, GpuTensor dy, GpuTensor x, GpuTensor mid, int rows, int slot, WanCudaBuffers b)
    {
        var l = _lora!.Slots[slot];
        if (l == null)
        {
            if (!dx.IsNull) _ops.LinearBackward(dx, default, default, default, dy, default, w.Weight, default, default, default, 0, rows, w.In, w.Out, 0, accumulate);
            return;
        }
        _ops.LinearBackward(dx, l.DDown, l.DUp, b.DMid, dy, x, w.Weight, l.Down, l.Up, mid, l.Scale, rows, w.In, w.Out, l.Rank, accumulate);
    }
}
