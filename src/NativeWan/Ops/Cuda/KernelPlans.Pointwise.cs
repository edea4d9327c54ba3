using NativeWan.Numerics;
using NativeWan.Ops.Cpu;

namespace NativeWan.Ops.Cuda;

public static partial class KernelPlans
{
    /// <summary>Kernel file of 3-D RoPE.</summary>
    public const string RopeFile = "rope3d.cu";
    /// <summary>Kernel file of GELU and SiLU.</summary>
    public const string ActivationFile = "gelu.cu";
    /// <summary>Kernel file of patchify / unpatchify.</summary>
    public const string PatchifyFile = "patchify.cu";
    /// <summary>Kernel file of the sinusoidal time embedding.</summary>
    public const string TimeEmbeddingFile = "time_embedding.cu";

    /// <summary>
    /// <c>nw_rope3d_fwd_bf16</c> / <c>nw_rope3d_bwd_bf16</c>: 3-D RoPE on adjacent pairs (CPU Rope3dForward / Rope3dBackward);
    /// rows at or beyond the grid's token count are copied.
    /// </summary>
    /// <param name="output">bf16 [rows, heads·HeadDim]; may alias input.</param>
    /// <param name="input">bf16 [rows, heads·HeadDim].</param>
    /// <param name="table">Device angle tables.</param>
    /// <param name="rows">Rows, ≥ table.Tokens.</param>
    /// <param name="heads">Heads.</param>
    /// <param name="backward">Rotate by −θ (the backward) instead of +θ.</param>
    public static KernelCall Rope3d(GpuTensor output, GpuTensor input, RopeDeviceTable table, int rows, int heads, bool backward = false)
    {
        string op = backward ? "Rope3dBackward" : "Rope3dForward";
        ArgumentNullException.ThrowIfNull(table);
        Positive(rows, nameof(rows), op); Positive(heads, nameof(heads), op);
        if (rows < table.Tokens) throw new ArgumentException($"{op}: rows ({rows}) is below the RoPE grid's {table.Tokens} tokens", nameof(rows));
        if (table.PairsF + table.PairsH + table.PairsW != table.HeadDim / 2)
            throw new ArgumentException($"{op}: RoPE pairs {table.PairsF}+{table.PairsH}+{table.PairsW} do not add up to head_dim/2 = {table.HeadDim / 2}", nameof(table));
        long n = (long)rows * heads * table.HeadDim;
        Need(output, n, nameof(output), op, DType.BF16); Need(input, n, nameof(input), op, DType.BF16);
        Need(table.CosSinF, 2L * table.GridF * table.PairsF, "table.CosSinF", op, DType.F32);
        Need(table.CosSinH, 2L * table.GridH * table.PairsH, "table.CosSinH", op, DType.F32);
        Need(table.CosSinW, 2L * table.GridW * table.PairsW, "table.CosSinW", op, DType.F32);
        var c = new KernelCall(RopeFile, backward ? "nw_rope3d_bwd_bf16" : "nw_rope3d_fwd_bf16", LaunchShapes.Rows(rows), LaunchShapes.RopeBlock);
        c.Ptr(output); c.Ptr(input); c.Ptr(table.CosSinF); c.Ptr(table.CosSinH); c.Ptr(table.CosSinW);
        c.I32(rows); c.I32(heads); c.I32(table.HeadDim); c.I32(table.GridF); c.I32(table.GridH); c.I32(table.GridW);
        c.I32(table.PairsF); c.I32(table.PairsH); c.I32(table.PairsW);
        return c;
    }

    /// <summary><c>nw_gelu_tanh_fwd_{bf16|f32}</c>: GELU, tanh approximation (CPU GeluTanhForward). output may alias input.</summary>
    public static KernelCall GeluTanhForward(GpuTensor output, GpuTensor input, long n) => Unary("nw_gelu_tanh_fwd", nameof(GeluTanhForward), output, input, n);

    /// <summary><c>nw_gelu_tanh_bwd_{bf16|f32}</c> (CPU GeluTanhBackward). dinput may alias dout.</summary>
    public static KernelCall GeluTanhBackward(GpuTensor dinput, GpuTensor dout, GpuTensor input, long n) => UnaryBackward("nw_gelu_tanh_bwd", nameof(GeluTanhBackward), dinput, dout, input, n);

    /// <summary><c>nw_silu_fwd_{bf16|f32}</c>: z·σ(z) (CPU SiluForward).</summary>
    public static KernelCall SiluForward(GpuTensor output, GpuTensor input, long n) => Unary("nw_silu_fwd", nameof(SiluForward), output, input, n);

    /// <summary><c>nw_silu_bwd_{bf16|f32}</c> (CPU SiluBackward).</summary>
    public static KernelCall SiluBackward(GpuTensor dinput, GpuTensor dout, GpuTensor input, long n) => UnaryBackward("nw_silu_bwd", nameof(SiluBackward), dinput, dout, input, n);

    static KernelCall Unary(string kernel, string op, GpuTensor output, GpuTensor input, long n)
    {
        if (n <= 0) throw new ArgumentException($"{op}: n must be positive (got {n})", nameof(n));
        Need(output, n, nameof(output), op, DType.BF16, DType.F32); Need(input, n, nameof(input), op, DType.BF16, DType.F32);
        SameType(output, input, nameof(output), nameof(input), op);
        var c = new KernelCall(ActivationFile, $"{kernel}_{Suffix(input.DType)}", LaunchShapes.Elementwise(n), LaunchShapes.ElementwiseBlock);
        c.Ptr(output); c.Ptr(input); c.I64(n);
        return c;
    }

    static KernelCall UnaryBackward(string kernel, string op, GpuTensor dinput, GpuTensor dout, GpuTensor input, long n)
    {
        if (n <= 0) throw new ArgumentException($"{op}: n must be positive (got {n})", nameof(n));
        Need(dinput, n, nameof(dinput), op, DType.BF16, DType.F32); Need(dout, n, nameof(dout), op, DType.BF16, DType.F32);
        Need(input, n, nameof(input), op, DType.BF16, DType.F32);
        SameType(dinput, input, nameof(dinput), nameof(input), op); SameType(dout, input, nameof(dout), nameof(input), op);
        var c = new KernelCall(ActivationFile, $"{kernel}_{Suffix(input.DType)}", LaunchShapes.Elementwise(n), LaunchShapes.ElementwiseBlock);
        c.Ptr(dinput); c.Ptr(dout); c.Ptr(input); c.I64(n);
        return c;
    }

    /// <summary>
    /// <c>nw_patchify_f32_{bf16|f32}</c> (dtype of tokens): latent fp32 [C, F, H, W] → tokens [Tokens, TokenWidth]
    /// (CPU PatchifyForward; also UnpatchifyBackward). Only the first g.Tokens rows are written.
    /// </summary>
    /// <param name="channelInnermost">Token order (pt, ph, pw, c) instead of (c, pt, ph, pw).</param>
    public static KernelCall PatchifyForward(GpuTensor tokens, GpuTensor latent, PatchGeometry g, bool channelInnermost = false)
    {
        const string op = nameof(PatchifyForward);
        long n = (long)g.Tokens * g.TokenWidth;
        Need(tokens, n, nameof(tokens), op, DType.BF16, DType.F32); Need(latent, g.LatentElements, nameof(latent), op, DType.F32);
        var c = new KernelCall(PatchifyFile, $"nw_patchify_f32_{Suffix(tokens.DType)}", LaunchShapes.Elementwise(n), LaunchShapes.ElementwiseBlock);
        c.Ptr(tokens); c.Ptr(latent); Geometry(ref c, g); c.I32(channelInnermost ? 1 : 0);
        return c;
    }

    /// <summary>
    /// <c>nw_unpatchify_{bf16|f32}_f32</c> (dtype of tokens): tokens → latent fp32 (CPU UnpatchifyForward; also
    /// PatchifyBackward). Token rows beyond g.Tokens (padding) are ignored.
    /// </summary>
    public static KernelCall UnpatchifyForward(GpuTensor latent, GpuTensor tokens, PatchGeometry g, bool channelInnermost = true)
    {
        const string op = nameof(UnpatchifyForward);
        long n = (long)g.Tokens * g.TokenWidth;
        Need(tokens, n, nameof(tokens), op, DType.BF16, DType.F32); Need(latent, g.LatentElements, nameof(latent), op, DType.F32);
        var c = new KernelCall(PatchifyFile, $"nw_unpatchify_{Suffix(tokens.DType)}_f32", LaunchShapes.Elementwise(g.LatentElements), LaunchShapes.ElementwiseBlock);
        c.Ptr(latent); c.Ptr(tokens); Geometry(ref c, g); c.I32(channelInnermost ? 1 : 0);
        return c;
    }

    /// <summary>Backward of <see cref="PatchifyForward"/>: the inverse permutation (= <see cref="UnpatchifyForward"/>).</summary>
    public static KernelCall PatchifyBackward(GpuTensor dlatent, GpuTensor dtokens, PatchGeometry g, bool channelInnermost = false)
        => UnpatchifyForward(dlatent, dtokens, g, channelInnermost);

    /// <summary>Backward of <see cref="UnpatchifyForward"/>: the inverse permutation (= <see cref="PatchifyForward"/>).</summary>
    public static KernelCall UnpatchifyBackward(GpuTensor dtokens, GpuTensor dlatent, PatchGeometry g, bool channelInnermost = true)
        => PatchifyForward(dtokens, dlatent, g, channelInnermost);

    static void Geometry(ref KernelCall c, PatchGeometry g)
    {
        c.I32(g.Channels); c.I32(g.Frames); c.I32(g.Height); c.I32(g.Width); c.I32(g.Pt); c.I32(g.Ph); c.I32(g.Pw);
    }

    /// <summary>
    /// <c>nw_sinusoidal_embedding_f32</c>: out[i] = [cos(t_i·10000^(−k/half)) …, sin(…) …], float64 math (CPU
    /// SinusoidalEmbeddingForward for each of <paramref name="count"/> timesteps).
    /// </summary>
    /// <param name="output">fp32 [count, dim].</param>
    /// <param name="timesteps">float64 [count].</param>
    /// <param name="count">Number of timesteps.</param>
    /// <param name="dim">Embedding size, positive and even.</param>
    public static KernelCall SinusoidalEmbeddingForward(GpuTensor output, GpuTensor timesteps, int count, int dim)
    {
        const string op = nameof(SinusoidalEmbeddingForward);
        Positive(count, nameof(count), op);
        if (dim <= 0 || dim % 2 != 0) throw new ArgumentException($"{op}: dim must be positive and even (got {dim})", nameof(dim));
        Need(output, (long)count * dim, nameof(output), op, DType.F32); Need(timesteps, count, nameof(timesteps), op, DType.F64);
        var c = new KernelCall(TimeEmbeddingFile, "nw_sinusoidal_embedding_f32", LaunchShapes.Elementwise((long)count * (dim / 2)), LaunchShapes.ElementwiseBlock);
        c.Ptr(output); c.Ptr(timesteps); c.I32(count); c.I32(dim);
        return c;
    }
}
