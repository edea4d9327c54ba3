using NativeWan.Numerics;
using NativeWan.Ops.Cpu;
using NativeWan.Ops.Cuda;

namespace NativeWan.Tests.Ops.Cuda;

/// <summary>
/// One <see cref="KernelCall"/> per kernel variant, built by <see cref="KernelPlans"/> with fake device addresses and
/// distinct sizes, so argument order can be checked by parameter name: an int parameter named <c>rows</c> in the .cu
/// must receive <see cref="Sizes"/>["rows"], and so on.
/// </summary>
internal static class KernelPlanSamples
{
    public const int Rows = 5, Dim = 96, Heads = 3, Lq = 7, Lk = 11, KeyValid = 9, InF = 40, OutF = 24, Rank = 4, Count = 6, GemmM = 13, GemmK = 21;
    public const long N = 1000;

    /// <summary>Expected value of every size parameter, by its name in the kernel declarations.</summary>
    public static readonly IReadOnlyDictionary<string, long> Sizes = new Dictionary<string, long>
    {
        ["rows"] = Rows, ["dim"] = Dim, ["heads"] = Heads, ["lq"] = Lq, ["lk"] = Lk, ["key_valid"] = KeyValid,
        ["in_f"] = InF, ["out_f"] = OutF, ["rank"] = Rank, ["count"] = Count, ["n"] = N,
        ["m"] = GemmM, ["k"] = GemmK,
    };

    public static IEnumerable<KernelCall> All()
    {
        ulong next = 0x10000;
        GpuTensor T(long n, DType t) { next += 0x100000; return new GpuTensor(next, n, t); }
        GpuTensor B(long n) => T(n, DType.BF16);
        GpuTensor F(long n) => T(n, DType.F32);
        const int n2 = Rows * Dim;

        foreach (var xt in new[] { DType.BF16, DType.F32 })
        {
            yield return KernelPlans.LayerNormForward(B(n2), F(Rows), F(Rows), T(n2, xt), F(Dim), F(Dim), Rows, Dim, 1e-6f, F(Dim), F(Dim), 0);
            yield return KernelPlans.LayerNormBackward(T(n2, xt), B(n2), T(n2, xt), F(Dim), F(Rows), F(Rows), Rows, Dim, true, F(n2), Dim);
            yield return KernelPlans.LayerNormParamGrad(F(Dim), F(Dim), B(n2), T(n2, xt), F(Rows), F(Rows), Rows, Dim);
            yield return KernelPlans.GatedResidualForward(T(n2, xt), B(n2), F(Dim), Rows, Dim);
            yield return KernelPlans.GatedResidualBackward(B(n2), T(n2, xt), default, Rows, Dim);
            yield return KernelPlans.GeluTanhForward(T(N, xt), T(N, xt), N);
            yield return KernelPlans.GeluTanhBackward(T(N, xt), T(N, xt), T(N, xt), N);
            yield return KernelPlans.SiluForward(T(N, xt), T(N, xt), N);
            yield return KernelPlans.SiluBackward(T(N, xt), T(N, xt), T(N, xt), N);
            yield return KernelPlans.LoraUp(T((long)Rows * OutF, xt), F(Rows * Rank), B(OutF * Rank), Rows, OutF, Rank, 0.5f);
            yield return KernelPlans.LoraGradInput(T((long)Rows * InF, xt), F(Rows * Rank), B(Rank * InF), Rows, InF, Rank, true);
            // base GEMM (the n of a product is the sample's N)
            yield return KernelPlans.GemmNT(T(GemmM * N, xt), B(GemmM * GemmK), B(N * GemmK), T(N, xt), GemmM, (int)N, GemmK, true);
            yield return KernelPlans.GemmNN(T(GemmM * N, xt), B(GemmM * GemmK), B(GemmK * N), GemmM, (int)N, GemmK);
            yield return KernelPlans.GemmTN(T(GemmM * N, xt), B(GemmK * GemmM), B(GemmK * N), GemmM, (int)N, GemmK);
        }
        yield return KernelPlans.ModulateForward(B(n2), B(n2), F(Dim), F(Dim), Rows, Dim);
        yield return KernelPlans.ModulateBackward(B(n2), B(n2), F(n2), Rows, Dim, Dim);
        yield return KernelPlans.RmsNormForward(B(n2), F(Rows), B(n2), F(Dim), Rows, Dim, 1e-6f);
        yield return KernelPlans.RmsNormBackward(B(n2), B(n2), B(n2), F(Dim), F(Rows), Rows, Dim, false);
        yield return KernelPlans.RmsNormParamGrad(F(Dim), B(n2), B(n2), F(Rows), Rows, Dim);

        var table = new RopeTable(64, 1, 2, 2);
        var rope = RopeDeviceTable.Describe(table, 0x1000, 0x2000, 0x3000);
        yield return KernelPlans.Rope3d(B(Rows * Heads * 64), B(Rows * Heads * 64), rope, Rows, Heads);
        yield return KernelPlans.Rope3d(B(Rows * Heads * 64), B(Rows * Heads * 64), rope, Rows, Heads, backward: true);

        var g = new PatchGeometry(4, 2, 4, 4, 1, 2, 2);
        long nt = (long)g.Tokens * g.TokenWidth;
        yield return KernelPlans.PatchifyForward(B(nt), F(g.LatentElements), g);
        yield return KernelPlans.PatchifyForward(F(nt), F(g.LatentElements), g, true);
        yield return KernelPlans.UnpatchifyForward(F(g.LatentElements), F(nt), g);
        yield return KernelPlans.UnpatchifyForward(F(g.LatentElements), B(nt), g);
        yield return KernelPlans.SinusoidalEmbeddingForward(F(Count * Dim), T(Count, DType.F64), Count, Dim);

        yield return KernelPlans.FlowNoise(F(N), F(N), F(N), F(N), 0.25f, N);
        yield return KernelPlans.FlowMsePartial(F(N), T(4, DType.F64), F(N), F(N), F(N), N, 4);
        yield return KernelPlans.FlowMseFinalize(F(1), T(1, DType.F64), T(4, DType.F64), 4, N);
        yield return KernelPlans.AdamWStep(F(N), F(N), F(N), F(N), B(N), N, new AdamWScalars(0.9f, 0.1f, 0.999f, 0.001f, 1e-8f, 0.99f, 1e-3f, 0.5f, 1f));

        foreach (int hd in LaunchShapes.AttentionHeadDims)
        {
            long nq = (long)Lq * Heads * hd, nk = (long)Lk * Heads * hd;
            yield return KernelPlans.AttentionForward(B(nq), F(Heads * Lq), B(nq), B(nk), B(nk), Lq, Lk, Heads, hd, KeyValid, 0.125f);
            yield return KernelPlans.AttentionBackwardDq(B(nq), B(nq), B(nq), B(nk), B(nk), F(Heads * Lq), F(Heads * Lq), Lq, Lk, Heads, hd, KeyValid, 0.125f);
            yield return KernelPlans.AttentionBackwardDkDv(B(nk), B(nk), B(nq), B(nq), B(nk), B(nk), F(Heads * Lq), F(Heads * Lq), Lq, Lk, Heads, hd, KeyValid, 0.125f);
        }
        yield return KernelPlans.AttentionBackwardPreprocess(F(Heads * Lq), B((long)Lq * Heads * 64), B((long)Lq * Heads * 64), Lq, Heads, 64);

        yield return KernelPlans.LoraDown(F(Rows * Rank), B(Rows * InF), B(Rank * InF), Rows, InF, Rank);
        yield return KernelPlans.LoraDMid(F(Rows * Rank), B(Rows * OutF), B(OutF * Rank), Rows, OutF, Rank, 0.5f);
        yield return KernelPlans.LoraGradDown(F(Rank * InF), F(Rows * Rank), B(Rows * InF), Rows, InF, Rank);
        yield return KernelPlans.LoraGradUp(F(OutF * Rank), B(Rows * OutF), F(Rows * Rank), Rows, OutF, Rank, 0.5f);
    }
}
