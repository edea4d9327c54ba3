using NativeWan.Numerics;
using NativeWan.Ops.Cpu;
using NativeWan.Optim;

namespace NativeWan.Ops.Cuda;

public sealed partial class KernelVerifier
{
    const float Eps = 1e-6f;

    /// <summary>Case runner per family, in registry order.</summary>
    static readonly Dictionary<string, Action<KernelVerifier, Session>> CaseTable = new(StringComparer.OrdinalIgnoreCase)
    {
        ["patchify"] = (v, s) => v.Patchify(s),
        ["unpatchify"] = (v, s) => v.Unpatchify(s),
        ["time_embedding"] = (v, s) => v.TimeEmbedding(s),
        ["silu"] = (v, s) => v.Activation(s, silu: true),
        ["gelu_tanh"] = (v, s) => v.Activation(s, silu: false),
        ["layernorm"] = (v, s) => v.LayerNorm(s),
        ["modulate"] = (v, s) => v.Modulate(s),
        ["gated_residual"] = (v, s) => v.GatedResidual(s),
        ["rmsnorm"] = (v, s) => v.RmsNorm(s),
        ["rope3d"] = (v, s) => v.Rope(s),
        ["attention"] = (v, s) => v.Attention(s),
        ["gemm"] = (v, s) => v.GemmCases(s),
        ["linear_lora"] = (v, s) => v.LinearLora(s),
        ["flow_matching_loss"] = (v, s) => v.FlowMatching(s),
        ["adamw"] = (v, s) => v.AdamWCase(s),
    };

    static readonly PatchGeometry[] Geometries = { new(16, 3, 8, 6, 1, 2, 2), new(4, 4, 4, 4, 2, 2, 2) };

    void Patchify(Session s)
    {
        foreach (var g in Geometries)
            foreach (var (ci, tokType) in new[] { (false, DType.BF16), (true, DType.F32) })
            {
                string shape = $"latent=[{g.Channels},{g.Frames},{g.Height},{g.Width}] patch=({g.Pt},{g.Ph},{g.Pw}) tokens={Lower(tokType)} ci={(ci ? 1 : 0)}";
                s.Case("PatchifyForward/Backward", shape, () =>
                {
                    long nt = (long)g.Tokens * g.TokenWidth;
                    var latent = s.Rand(g.LatentElements);
                    var tokens = new float[nt];
                    CpuOps.PatchifyForward(tokens, latent, g, ci);
                    var gt = s.Nan(nt, tokType);
                    _ops.PatchifyForward(gt, s.Up(latent, DType.F32), g, ci);
                    s.Compare("PatchifyForward", shape, "tokens", gt, tokens, NmseThresholds.Exact);

                    var dtok = s.Rand(nt);
                    var dlat = new float[g.LatentElements];
                    CpuOps.PatchifyBackward(dlat, dtok, g, ci);
                    var gl = s.Nan(g.LatentElements, DType.F32);
                    _ops.PatchifyBackward(gl, s.Up(dtok, tokType), g, ci);
                    s.Compare("PatchifyBackward", shape, "dlatent", gl, dlat, NmseThresholds.Exact);
                });
            }
    }

    void Unpatchify(Session s)
    {
        foreach (var g in Geometries)
            foreach (var (ci, tokType) in new[] { (true, DType.F32), (false, DType.BF16) })
            {
                const int pad = 3;
                string shape = $"latent=[{g.Channels},{g.Frames},{g.Height},{g.Width}] patch=({g.Pt},{g.Ph},{g.Pw}) tokens={Lower(tokType)}+{pad} pad rows ci={(ci ? 1 : 0)}";
                s.Case("UnpatchifyForward/Backward", shape, () =>
                {
                    long nt = (long)g.Tokens * g.TokenWidth;
                    var tokens = s.Rand(nt + (long)pad * g.TokenWidth);
                    for (long i = nt; i < tokens.Length; i++) tokens[i] = float.NaN;   // padding rows must be ignored
                    var latent = new float[g.LatentElements];
                    CpuOps.UnpatchifyForward(latent, tokens, g, ci);
                    var gl = s.Nan(g.LatentElements, DType.F32);
                    _ops.UnpatchifyForward(gl, s.Up(tokens, tokType), g, ci);
                    s.Compare("UnpatchifyForward", shape, "latent", gl, latent, NmseThresholds.Exact);

                    var dlat = s.Rand(g.LatentElements);
                    var dtok = new float[nt];
                    CpuOps.UnpatchifyBackward(dtok, dlat, g, ci);
                    var gt = s.Nan(nt, tokType);
                    _ops.UnpatchifyBackward(gt, s.Up(dlat, DType.F32), g, ci);
                    s.Compare("UnpatchifyBackward", shape, "dtokens", gt, dtok, NmseThresholds.Exact);
                });
            }
    }

    void TimeEmbedding(Session s)
    {
        double[] t = { 0, 1, 37.25, 500.5, 875, 999, 1000, 1001 };
        foreach (int dim in new[] { 256, 64 })
        {
            string shape = $"timesteps={t.Length} dim={dim}";
            s.Case("SinusoidalEmbeddingForward", shape, () =>
            {
                var cpu = new float[t.Length * dim];
                for (int i = 0; i < t.Length; i++) CpuOps.SinusoidalEmbeddingForward(cpu.AsSpan(i * dim, dim), t[i], dim);
                var g = s.Nan(cpu.Length, DType.F32);
                _ops.SinusoidalEmbeddingForward(g, s.Up(t), t.Length, dim);
                s.Compare("SinusoidalEmbeddingForward", shape, "embedding", g, cpu);
            });
        }
    }

    void Activation(Session s, bool silu)
    {
        string fwd = silu ? "SiluForward" : "GeluTanhForward", bwd = silu ? "SiluBackward" : "GeluTanhBackward";
        foreach (int n in new[] { 1000, 70001 })
            foreach (var dt in new[] { DType.BF16, DType.F32 })
            {
                string shape = $"n={n} {Lower(dt)}";
                s.Case($"{fwd}/Backward", shape, () =>
                {
                    var x = s.Rand(n, 5f);
                    var y = new float[n];
                    if (silu) CpuOps.SiluForward(y, x, n); else CpuOps.GeluTanhForward(y, x, n);
                    var gx = s.Up(x, dt);
                    var gy = s.Nan(n, dt);
                    if (silu) _ops.SiluForward(gy, gx, n); else _ops.GeluTanhForward(gy, gx, n);
                    s.Compare(fwd, shape, "y", gy, y);

                    var dy = s.Rand(n);
                    var dx = new float[n];
                    if (silu) CpuOps.SiluBackward(dx, dy, x, n); else CpuOps.GeluTanhBackward(dx, dy, x, n);
                    var gdx = s.Nan(n, dt);
                    if (silu) _ops.SiluBackward(gdx, s.Up(dy, dt), gx, n); else _ops.GeluTanhBackward(gdx, s.Up(dy, dt), gx, n);
                    s.Compare(bwd, shape, "dx", gdx, dx);
                });
            }
    }

    void LayerNorm(Session s)
    {
        foreach (var (rows, dim) in new[] { (17, 64), (64, 320), (5, 1536) })
            foreach (var (xt, affine, mod, perRow) in new[]
                     {
                         (DType.BF16, false, true, false), (DType.BF16, true, true, false), (DType.F32, true, false, false), (DType.F32, false, true, true),
                     })
            {
                string shape = $"rows={rows} dim={dim} x={Lower(xt)} {(affine ? "affine" : "no-affine")} {(mod ? perRow ? "mod=per-row" : "mod=[dim]" : "no-mod")}";
                s.Case("LayerNormForward/Backward", shape, () =>
                {
                    int n = rows * dim;
                    long modLen = perRow ? n : dim, modStride = perRow ? dim : 0;
                    var x = s.Rand(n, 2f);
                    float[] w = affine ? s.Rand(dim) : Array.Empty<float>(), b = affine ? s.Rand(dim) : Array.Empty<float>();
                    float[] shift = mod ? s.Rand(modLen, 0.5f) : Array.Empty<float>(), scale = mod ? s.Rand(modLen, 0.5f) : Array.Empty<float>();
                    var u = new float[n]; var mean = new float[rows]; var rstd = new float[rows];
                    CpuOps.LayerNormForward(u, mean, rstd, x, w, b, rows, dim, Eps);
                    if (mod) CpuOps.ModulateForward(u, u, shift, scale, rows, dim);

                    var gx = s.Up(x, xt);
                    GpuTensor gw = affine ? s.Up(w, DType.F32) : default, gb = affine ? s.Up(b, DType.F32) : default;
                    GpuTensor gsh = mod ? s.Up(shift, DType.F32) : default, gsc = mod ? s.Up(scale, DType.F32) : default;
                    var gu = s.Nan(n, DType.BF16); var gm = s.Nan(rows, DType.F32); var gr = s.Nan(rows, DType.F32);
                    _ops.LayerNormForward(gu, gm, gr, gx, gw, gb, rows, dim, Eps, gsh, gsc, modStride);
                    s.Compare("LayerNormForward", shape, "u", gu, u);
                    s.Compare("LayerNormForward", shape, "mean", gm, mean);
                    s.Compare("LayerNormForward", shape, "rstd", gr, rstd);

                    // backward, accumulating into a non-zero dx (the residual-stream gradient) and, with affine, into dγ/dβ
                    var du = s.Rand(n);
                    var dx0 = s.Rand(n);
                    float[] dw0 = affine ? s.Rand(dim) : Array.Empty<float>(), db0 = affine ? s.Rand(dim) : Array.Empty<float>();
                    var g = (float[])du.Clone();
                    if (mod) CpuOps.ModulateBackward(g, du, scale, rows, dim);
                    var dx = (float[])dx0.Clone(); var dw = (float[])dw0.Clone(); var db = (float[])db0.Clone();
                    CpuOps.LayerNormBackward(dx, dw, db, g, x, w, mean, rstd, rows, dim, accumulate: true);

                    var gdx = s.Up(dx0, xt);
                    GpuTensor gdw = affine ? s.Up(dw0, DType.F32) : default, gdb = affine ? s.Up(db0, DType.F32) : default;
                    _ops.LayerNormBackward(gdx, gdw, gdb, s.Up(du, DType.BF16), gx, gw, s.Up(mean, DType.F32), s.Up(rstd, DType.F32), rows, dim,
                        accumulate: true, gsc, modStride);
                    s.Compare("LayerNormBackward", shape, "dx (+=)", gdx, dx);
                    if (affine)
                    {
                        s.Compare("LayerNormBackward", shape, "dweight (+=)", gdw, dw);
                        s.Compare("LayerNormBackward", shape, "dbias (+=)", gdb, db);
                    }
                });
            }
    }

    void Modulate(Session s)
    {
        foreach (var (rows, dim, perRow) in new[] { (9, 96, false), (33, 512, true) })
        {
            string shape = $"rows={rows} dim={dim} {(perRow ? "per-row" : "[dim]")}";
            s.Case("ModulateForward/Backward", shape, () =>
            {
                int n = rows * dim;
                long len = perRow ? n : dim, stride = perRow ? dim : 0;
                var x = s.Rand(n, 2f); var shift = s.Rand(len); var scale = s.Rand(len);
                var y = new float[n];
                CpuOps.ModulateForward(y, x, shift, scale, rows, dim);
                var gsc = s.Up(scale, DType.F32);
                var gy = s.Nan(n, DType.BF16);
                _ops.ModulateForward(gy, s.Up(x, DType.BF16), s.Up(shift, DType.F32), gsc, rows, dim, stride);
                s.Compare("ModulateForward", shape, "out", gy, y);

                var dy = s.Rand(n);
                var dx = new float[n];
                CpuOps.ModulateBackward(dx, dy, scale, rows, dim);
                var gdx = s.Nan(n, DType.BF16);
                _ops.ModulateBackward(gdx, s.Up(dy, DType.BF16), gsc, rows, dim, stride);
                s.Compare("ModulateBackward", shape, "din", gdx, dx);
            });
        }
    }

    void GatedResidual(Session s)
    {
        foreach (var (rows, dim) in new[] { (9, 96), (40, 384) })
            foreach (var (xt, gateKind) in new[] { (DType.BF16, "[dim]"), (DType.F32, "per-row"), (DType.F32, "none") })
            {
                string shape = $"rows={rows} dim={dim} x={Lower(xt)} gate={gateKind}";
                s.Case("GatedResidualForward/Backward", shape, () =>
                {
                    int n = rows * dim;
                    bool perRow = gateKind == "per-row";
                    var gate = gateKind == "none" ? Array.Empty<float>() : s.Rand(perRow ? n : dim, 1.5f);
                    long stride = perRow ? dim : 0;
                    var x0 = s.Rand(n, 3f); var y = s.Rand(n);
                    var x = (float[])x0.Clone();
                    CpuOps.GatedResidualForward(x, y, gate, rows, dim);
                    var ggate = gate.Length == 0 ? default : s.Up(gate, DType.F32);
                    var gx = s.Up(x0, xt);
                    _ops.GatedResidualForward(gx, s.Up(y, DType.BF16), ggate, rows, dim, stride);
                    s.Compare("GatedResidualForward", shape, "x (+=)", gx, x);

                    var dxs = s.Rand(n);
                    var dy = new float[n];
                    CpuOps.GatedResidualBackward(dy, dxs, gate, rows, dim);
                    var gdy = s.Nan(n, DType.BF16);
                    _ops.GatedResidualBackward(gdy, s.Up(dxs, xt), ggate, rows, dim, stride);
                    s.Compare("GatedResidualBackward", shape, "dy", gdy, dy);
                });
            }
    }

    void RmsNorm(Session s)
    {
        foreach (var (rows, dim, accumulate) in new[] { (17, 64, false), (40, 1536, true), (3, 5120, false) })
        {
            string shape = $"rows={rows} dim={dim}{(accumulate ? " dx+=" : "")}";
            s.Case("RmsNormForward/Backward", shape, () =>
            {
                int n = rows * dim;
                var x = s.Rand(n, 3f); var w = s.Rand(dim, 2f);
                var y = new float[n]; var rstd = new float[rows];
                CpuOps.RmsNormForward(y, rstd, x, w, rows, dim, Eps);
                var gx = s.Up(x, DType.BF16); var gw = s.Up(w, DType.F32);
                var gy = s.Nan(n, DType.BF16); var gr = s.Nan(rows, DType.F32);
                _ops.RmsNormForward(gy, gr, gx, gw, rows, dim, Eps);
                s.Compare("RmsNormForward", shape, "out", gy, y);
                s.Compare("RmsNormForward", shape, "rstd", gr, rstd);

                var dy = s.Rand(n);
                var dx0 = accumulate ? s.Rand(n) : new float[n];
                var dw0 = s.Rand(dim);
                var dx = (float[])dx0.Clone(); var dw = (float[])dw0.Clone();
                CpuOps.RmsNormBackward(dx, dw, dy, x, w, rstd, rows, dim, accumulate);
                var gdx = accumulate ? s.Up(dx0, DType.BF16) : s.Nan(n, DType.BF16);
                var gdw = s.Up(dw0, DType.F32);
                _ops.RmsNormBackward(gdx, gdw, s.Up(dy, DType.BF16), gx, gw, s.Up(rstd, DType.F32), rows, dim, accumulate);
                s.Compare("RmsNormBackward", shape, accumulate ? "dx (+=)" : "dx", gdx, dx);
                s.Compare("RmsNormBackward", shape, "dweight (+=)", gdw, dw);
            });
        }
    }

    void Rope(Session s)
    {
        foreach (var (hd, gf, gh, gw, heads, pad) in new[] { (128, 2, 3, 4, 3, 5), (64, 3, 2, 2, 2, 0), (40, 1, 4, 5, 2, 3) })
        {
            var table = new RopeTable(hd, gf, gh, gw);
            int rows = table.Tokens + pad;
            string shape = $"head_dim={hd} ({table.PairsF}/{table.PairsH}/{table.PairsW}) grid={gf}x{gh}x{gw} rows={rows} heads={heads}";
            s.Case("Rope3dForward/Backward", shape, () =>
            {
                int n = rows * heads * hd;
                var dt = _ops.UploadRope(table);
                try
                {
                    var x = s.Rand(n, 2f);
                    var y = new float[n];
                    CpuOps.Rope3dForward(y, x, table, rows, heads);
                    var gy = s.Nan(n, DType.BF16);
                    _ops.Rope3dForward(gy, s.Up(x, DType.BF16), dt, rows, heads);
                    s.Compare("Rope3dForward", shape, "out", gy, y);

                    var dy = s.Rand(n);
                    var dx = new float[n];
                    CpuOps.Rope3dBackward(dx, dy, table, rows, heads);
                    var gdx = s.Nan(n, DType.BF16);
                    _ops.Rope3dBackward(gdx, s.Up(dy, DType.BF16), dt, rows, heads);
                    s.Compare("Rope3dBackward", shape, "din", gdx, dx);
                }
                finally
                {
                    try { _ops.Synchronize(); } catch (Exception) { /* the case reports it */ }
                    _ops.Free(dt);
                }
            });
        }
    }

    void Attention(Session s)
    {
        foreach (var (lq, lk, heads, hd, kv) in new[] { (37, 37, 3, 64, 30), (45, 20, 2, 128, 20), (33, 65, 2, 40, 65), (8, 9, 4, 32, 9) })
        {
            string shape = $"lq={lq} lk={lk} heads={heads} head_dim={hd} key_valid={kv}";
            s.Case("AttentionForward/Backward", shape, () =>
            {
                float scale = 1f / MathF.Sqrt(hd);
                int w = heads * hd, nq = lq * w, nk = lk * w;
                var q = s.Rand(nq, 2f); var k = s.Rand(nk, 2f); var v = s.Rand(nk);
                var o = new float[nq]; var lse = new float[heads * lq];
                CpuOps.AttentionForward(o, lse, q, k, v, lq, lk, heads, hd, kv, scale);
                var gq = s.Up(q, DType.BF16); var gk = s.Up(k, DType.BF16); var gv = s.Up(v, DType.BF16);
                var go = s.Nan(nq, DType.BF16); var gl = s.Nan(heads * lq, DType.F32);
                _ops.AttentionForward(go, gl, gq, gk, gv, lq, lk, heads, hd, kv, scale);
                s.Compare("AttentionForward", shape, "out", go, o);
                s.Compare("AttentionForward", shape, "lse", gl, lse);

                // backward from the same saved state on both sides: O as the GPU stores it (bf16) and the CPU's lse
                var ob = RoundBf16(o);
                var dout = s.Rand(nq);
                var dq = new float[nq]; var dk = new float[nk]; var dv = new float[nk];
                CpuOps.AttentionBackward(dq, dk, dv, dout, q, k, v, ob, lse, lq, lk, heads, hd, kv, scale);
                var gdq = s.Nan(nq, DType.BF16); var gdk = s.Nan(nk, DType.BF16); var gdv = s.Nan(nk, DType.BF16);
                _ops.AttentionBackward(gdq, gdk, gdv, s.Up(dout, DType.BF16), gq, gk, gv, s.Up(ob, DType.BF16), s.Up(lse, DType.F32),
                    lq, lk, heads, hd, kv, scale);
                s.Compare("AttentionBackward", shape, "dq", gdq, dq);
                s.Compare("AttentionBackward", shape, "dk", gdk, dk);
                s.Compare("AttentionBackward", shape, "dv", gdv, dv);
            });
        }
    }

    void LinearLora(Session s)
    {
        foreach (var (rows, inF, outF, rank, loraScale, yt) in new[]
                 {
                     (70, 96, 80, 8, 0.5f, DType.F32), (300, 256, 192, 16, 2f, DType.BF16), (1000, 64, 48, 4, 1f, DType.BF16),
                 })
        {
            string shape = $"rows={rows} in={inF} out={outF} rank={rank} scale={loraScale} y={Lower(yt)}";
            s.Case("LinearForward/Backward (LoRA kernels)", shape, () =>
            {
                var x = s.Rand((long)rows * inF); var wt = s.Rand((long)outF * inF, 0.1f); var bias = s.Rand(outF, 0.1f);
                var a = s.Rand((long)rank * inF, 0.1f); var b = s.Rand((long)outF * rank, 0.1f);
                var y = new float[rows * outF]; var mid = new float[rows * rank];
                CpuOps.LinearForward(y, mid, x, wt, bias, a, b, loraScale, rows, inF, outF, rank);
                var yBase = new float[rows * outF];
                CpuOps.LinearForward(yBase, default, x, wt, bias, default, default, 0, rows, inF, outF, 0);

                var gx = s.Up(x, DType.BF16); var ga = s.Up(a, DType.BF16); var gb = s.Up(b, DType.BF16);
                var gy = s.Up(yBase, yt);                    // the base product, as cuBLASLt would have left it
                var gmid = s.Nan((long)rows * rank, DType.F32);
                _ops.LoraForward(gy, gmid, gx, ga, gb, loraScale, rows, inF, outF, rank);
                // the base product reaches the kernel rounded to y's storage type: compare against that plus the CPU's LoRA term
                var yRef = BaseRounded(y, yBase, yt);
                s.Compare("LinearForward", shape, "y (base + LoRA)", gy, yRef);
                s.Compare("LinearForward", shape, "mid = x·Aᵀ", gmid, mid);

                var dy = s.Rand((long)rows * outF);
                var dA0 = s.Rand((long)rank * inF, 0.1f); var dB0 = s.Rand((long)outF * rank, 0.1f);
                var dx = new float[rows * inF]; var dA = (float[])dA0.Clone(); var dB = (float[])dB0.Clone(); var dMid = new float[rows * rank];
                CpuOps.LinearBackward(dx, dA, dB, dMid, dy, x, wt, a, b, mid, loraScale, rows, inF, outF, rank);
                var dxBase = new float[rows * inF];
                CpuOps.LinearBackward(dxBase, default, default, default, dy, x, wt, default, default, default, 0, rows, inF, outF, 0);

                var gdx = s.Up(dxBase, yt);
                var gdA = s.Up(dA0, DType.F32); var gdB = s.Up(dB0, DType.F32);
                var gdMid = s.Nan((long)rows * rank, DType.F32);
                _ops.LoraBackward(gdx, gdA, gdB, gdMid, s.Up(dy, DType.BF16), gx, ga, gb, s.Up(mid, DType.F32), loraScale, rows, inF, outF, rank,
                    accumulateInput: true);
                s.Compare("LinearBackward", shape, "dx (base + LoRA)", gdx, BaseRounded(dx, dxBase, yt));
                s.Compare("LinearBackward", shape, "dmid", gdMid, dMid);
                s.Compare("LinearBackward", shape, "dA (+=)", gdA, dA);
                s.Compare("LinearBackward", shape, "dB (+=)", gdB, dB);
            });
        }

        if (_ops.Gemm is null) return;
        const int r = 64, i = 128, o = 96, rk = 8;
        const float sc = 0.75f;
        string full = $"rows={r} in={i} out={o} rank={rk} scale={sc} y=bf16 base: {_ops.Gemm.Name}";
        s.Case("LinearForward/Backward (GEMM + LoRA)", full, () =>
        {
            var x = s.Rand((long)r * i); var wt = s.Rand((long)o * i, 0.1f); var bias = s.Rand(o, 0.1f);
            var a = s.Rand((long)rk * i, 0.1f); var b = s.Rand((long)o * rk, 0.1f);
            var y = new float[r * o]; var mid = new float[r * rk];
            CpuOps.LinearForward(y, mid, x, wt, bias, a, b, sc, r, i, o, rk);
            var gx = s.Up(x, DType.BF16); var gw = s.Up(wt, DType.BF16); var ga = s.Up(a, DType.BF16); var gb = s.Up(b, DType.BF16);
            var gy = s.Nan((long)r * o, DType.BF16); var gmid = s.Nan((long)r * rk, DType.F32);
            _ops.LinearForward(gy, gmid, gx, gw, s.Up(bias, DType.BF16), ga, gb, sc, r, i, o, rk);
            var yBase = new float[r * o];
            CpuOps.LinearForward(yBase, default, x, wt, bias, default, default, 0, r, i, o, 0);
            s.Compare("LinearForward", full, "y", gy, BaseRounded(y, yBase, DType.BF16));
            s.Compare("LinearForward", full, "mid", gmid, mid);

            var dy = s.Rand((long)r * o);
            var dx = new float[r * i]; var dA = new float[rk * i]; var dB = new float[o * rk]; var dMid = new float[r * rk];
            CpuOps.LinearBackward(dx, dA, dB, dMid, dy, x, wt, a, b, mid, sc, r, i, o, rk);
            var gdx = s.Nan((long)r * i, DType.BF16);
            var gdA = s.Up(new float[rk * i], DType.F32); var gdB = s.Up(new float[o * rk], DType.F32);
            _ops.LinearBackward(gdx, gdA, gdB, s.Nan((long)r * rk, DType.F32), s.Up(dy, DType.BF16), gx, gw, ga, gb, s.Up(mid, DType.F32), sc,
                r, i, o, rk);
            var dxBase = new float[r * i];
            CpuOps.LinearBackward(dxBase, default, default, default, dy, x, wt, default, default, default, 0, r, i, o, 0);
            s.Compare("LinearBackward", full, "dx", gdx, BaseRounded(dx, dxBase, DType.BF16));
            s.Compare("LinearBackward", full, "dA", gdA, dA);
            s.Compare("LinearBackward", full, "dB", gdB, dB);
        });
    }

    /// <summary>full − base + (base rounded to <paramref name="t"/>): the reference for a kernel that adds onto a stored base.</summary>
    static float[] BaseRounded(float[] full, float[] baseline, DType t)
    {
        if (t != DType.BF16) return full;
        var r = new float[full.Length];
        for (int i = 0; i < r.Length; i++) r[i] = BFloat16.FromSingle(baseline[i]).ToSingle() + (full[i] - baseline[i]);
        return r;
    }

    void FlowMatching(Session s)
    {
        foreach (var (n, sigma) in new[] { (1000, 0.3f), (65539, 0.917f) })
        {
            string shape = $"n={n} sigma={sigma}";
            s.Case("FlowNoise/FlowMatchingLoss", shape, () =>
            {
                var x0 = s.Rand(n, 2f); var noise = s.Rand(n, 2f); var pred = s.Rand(n, 2f);
                var xt = new float[n]; var target = new float[n]; var dpred = new float[n];
                FlowMatchingReference.Noise(xt, target, x0, noise, sigma);
                float loss = FlowMatchingReference.Loss(dpred, pred, x0, noise);

                var gx0 = s.Up(x0, DType.F32); var gnoise = s.Up(noise, DType.F32);
                var gxt = s.Nan(n, DType.F32); var gtarget = s.Nan(n, DType.F32);
                _ops.FlowNoise(gxt, gtarget, gx0, gnoise, sigma, n);
                s.Compare("FlowNoise", shape, "x_t", gxt, xt, NmseThresholds.Exact);
                s.Compare("FlowNoise", shape, "target", gtarget, target, NmseThresholds.Exact);

                var gdpred = s.Nan(n, DType.F32); var gloss = s.Nan(1, DType.F32);
                _ops.FlowMatchingLoss(gdpred, gloss, s.Up(pred, DType.F32), gx0, gnoise, n);
                s.Compare("FlowMatchingLoss", shape, "dpred", gdpred, dpred, NmseThresholds.Exact);
                s.Compare("FlowMatchingLoss", shape, "loss", gloss, new[] { loss });
            });
        }
    }

    void AdamWCase(Session s)
    {
        var options = new AdamWOptions(WeightDecay: 0.01);
        (double Lr, float Clip)[] steps = { (1e-3, 1f), (5e-4, 0.5f), (2e-4, 0.25f) };
        foreach (int n in new[] { 1000, 4099 })
        {
            string shape = $"n={n} steps={steps.Length} wd={options.WeightDecay}";
            s.Case("AdamW.Update", shape, () =>
            {
                var p0 = s.Rand(n, 0.05f);
                var p = (float[])p0.Clone();
                var opt = new AdamW(new[] { p }, options);
                var gp = s.Up(p0, DType.F32); var gm = s.Up(new float[n], DType.F32); var gv = s.Up(new float[n], DType.F32);
                var gpb = s.Nan(n, DType.BF16);
                for (int t = 0; t < steps.Length; t++)
                {
                    var g = s.Rand(n, 0.02f);
                    var gGpu = s.Up(g, DType.F32);
                    if (steps[t].Clip < 1f) for (int j = 0; j < n; j++) g[j] *= steps[t].Clip;   // what ClipByGlobalNorm does
                    opt.Update(new[] { g }, steps[t].Lr);
                    _ops.AdamWStep(gp, gm, gv, gGpu, gpb, n, AdamWScalars.For(options, t + 1, steps[t].Lr, steps[t].Clip));
                }
                s.Compare("AdamW.Update", shape, "param", gp, p, NmseThresholds.Exact);
                s.Compare("AdamW.Update", shape, "m", gm, opt.M[0], NmseThresholds.Exact);
                s.Compare("AdamW.Update", shape, "v", gv, opt.V[0], NmseThresholds.Exact);
                s.Compare("AdamW.Update", shape, "param bf16 copy", gpb, p);
            });
        }
    }
}
