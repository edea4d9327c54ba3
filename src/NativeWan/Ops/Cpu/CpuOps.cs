namespace NativeWan.Ops.Cpu;

/// <summary>
/// Float32 CPU reference operators of the Wan DiT, written llm.c style: one file per operator holding its
/// <c>XxxForward(out…, in…)</c> and <c>XxxBackward(dinp…, dout, saved…)</c> side by side. Import with
/// <c>using static NativeWan.Ops.Cpu.CpuOps;</c> to call them as free functions.
/// <para>
/// Conventions shared by every operator: tensors are row-major float32 spans; "rows" are tokens and "dim" the
/// feature width, so a [rows, dim] tensor stores element (r, c) at <c>r·dim + c</c>. Outputs are overwritten unless a
/// parameter says <c>accumulate</c>. Spans may be longer than needed (only the prefix is used); a span that is too
/// short throws <see cref="ArgumentException"/> naming the parameter. Work is split over rows (or heads) with
/// Parallel.For when large enough; every output element is always computed in the same order, so results do not
/// depend on the thread count.
/// </para>
/// </summary>
public static unsafe partial class CpuOps
{
    static void Need(int length, long need, string name)
    {
        if (length < need) throw new ArgumentException($"{name} has {length} elements, {need} needed", name);
    }

    static void Positive(int value, string name)
    {
        if (value <= 0) throw new ArgumentException($"{name} must be positive (got {value})", name);
    }

    /// <summary>
    /// Checks a per-feature vector that is either broadcast over rows (length dim) or given per row (length
    /// rows·dim) and returns its row stride (0 or dim).
    /// </summary>
    static int RowStride(int length, int rows, int dim, string name)
    {
        if (length == dim) return 0;
        if (length == (long)rows * dim) return dim;
        throw new ArgumentException($"{name} has {length} elements; expected {dim} (broadcast) or {(long)rows * dim} (per row)", name);
    }
}

/// <summary>Parallel loop that stays on the calling thread for small amounts of work.</summary>
internal static class CpuParallel
{
    /// <summary>Work (roughly multiply-adds) below which a loop runs serially.</summary>
    const long Threshold = 1 << 15;

    public static void For(int count, long workPerItem, Action<int> body)
    {
        if (count <= 1 || count * Math.Max(1, workPerItem) < Threshold)
        {
            for (int i = 0; i < count; i++) body(i);
        }
        else Parallel.For(0, count, body);
    }
}

/// <summary>Per-thread scratch arrays for small temporaries inside one operator call (never held across calls).</summary>
internal static class CpuScratch
{
    [ThreadStatic] static float[]? t_a;
    [ThreadStatic] static float[]? t_b;
    [ThreadStatic] static double[]? t_d;

    public static float[] A(int n) { var a = t_a; if (a == null || a.Length < n) t_a = a = new float[Math.Max(n, 64)]; return a; }
    public static float[] B(int n) { var a = t_b; if (a == null || a.Length < n) t_b = a = new float[Math.Max(n, 64)]; return a; }
    public static double[] D(int n) { var a = t_d; if (a == null || a.Length < n) t_d = a = new double[Math.Max(n, 64)]; return a; }
}
