using System.Numerics.Tensors;

namespace NativeWan.Ops.Cpu;

public static unsafe partial class CpuOps
{
    /// <summary>
    /// Linear layer with an optional LoRA adapter (spec 7.1, section 10):
    /// <c>y = x Wᵀ + b + s · (x Aᵀ) Bᵀ</c> with W [outF, inF] (PyTorch layout), A = lora_down [rank, inF],
    /// B = lora_up [outF, rank] and s = multiplier · alpha / rank.
    /// </summary>
    /// <param name="output">[rows, outF].</param>
    /// <param name="loraMid">[rows, rank] receives <c>x Aᵀ</c> (unscaled), saved for the backward; unused when rank = 0.</param>
    /// <param name="input">[rows, inF].</param>
    /// <param name="weight">[outF, inF].</param>
    /// <param name="bias">[outF], or empty for no bias.</param>
    /// <param name="loraDown">A [rank, inF] (empty when rank = 0).</param>
    /// <param name="loraUp">B [outF, rank] (empty when rank = 0).</param>
    /// <param name="loraScale">s = multiplier · alpha / rank.</param>
    /// <param name="rank">LoRA rank, 0 for a plain Linear.</param>
    /// <exception cref="ArgumentException">Non-positive sizes or spans too short.</exception>
    /// <param name="rows">Number of rows (tokens).</param>
    /// <param name="inF">Input features.</param>
    /// <param name="outF">Output features.</param>
    public static void LinearForward(Span<float> output, Span<float> loraMid, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, ReadOnlySpan<float> loraDown, ReadOnlySpan<float> loraUp, float loraScale,
        int rows, int inF, int outF, int rank)
    {
        Positive(rows, nameof(rows)); Positive(inF, nameof(inF)); Positive(outF, nameof(outF));
        if (rank < 0) throw new ArgumentException($"rank must be ≥ 0 (got {rank})", nameof(rank));
        Need(output.Length, (long)rows * outF, nameof(output)); Need(input.Length, (long)rows * inF, nameof(input));
        Need(weight.Length, (long)outF * inF, nameof(weight));
        if (!bias.IsEmpty) Need(bias.Length, outF, nameof(bias));
        Gemm.MatMulTransB(input, weight, output, rows, outF, inF);
        if (!bias.IsEmpty) AddRowVector(output, bias, rows, outF);
        if (rank == 0) return;
        Need(loraMid.Length, (long)rows * rank, nameof(loraMid));
        Need(loraDown.Length, (long)rank * inF, nameof(loraDown)); Need(loraUp.Length, (long)outF * rank, nameof(loraUp));
        Gemm.MatMulTransB(input, loraDown, loraMid, rows, rank, inF);
        // output += mid · (s·Bᵀ)   (Bᵀ [rank, outF] so the inner loops run along outF)
        var sbt = CpuScratch.A(rank * outF);
        for (int o = 0; o < outF; o++)
            for (int r = 0; r < rank; r++) sbt[r * outF + o] = loraScale * loraUp[o * rank + r];
        Gemm.MatMul(loraMid, sbt.AsSpan(0, rank * outF), output, rows, outF, rank, accumulate: true);
    }

    /// <summary>
    /// Backward of <see cref="LinearForward"/> with a frozen base W, b (spec section 10):
    /// <c>dB += s · dyᵀ (x Aᵀ)</c>, <c>dA += s · (dy B)ᵀ x</c>, <c>dx = dy W + s · (dy B) A</c>.
    /// </summary>
    /// <param name="dinput">[rows, inF] input gradient, overwritten (or added to with <paramref name="accumulateInput"/>);
    /// empty to skip it (e.g. keys/values computed from the frozen text context).</param>
    /// <param name="dLoraDown">[rank, inF], accumulated (+=).</param>
    /// <param name="dLoraUp">[outF, rank], accumulated (+=).</param>
    /// <param name="dLoraMid">[rows, rank] scratch.</param>
    /// <param name="dout">[rows, outF] output gradient.</param>
    /// <param name="input">The forward input x [rows, inF].</param>
    /// <param name="loraMid">The forward's saved <c>x Aᵀ</c>.</param>
    /// <param name="weight">The forward weight.</param>
    /// <param name="loraDown">A [rank, inF] as in the forward.</param>
    /// <param name="loraUp">B [outF, rank] as in the forward.</param>
    /// <param name="loraScale">s as in the forward.</param>
    /// <param name="rows">Number of rows (tokens).</param>
    /// <param name="inF">Input features.</param>
    /// <param name="outF">Output features.</param>
    /// <param name="rank">LoRA rank (0 = plain Linear).</param>
    /// <param name="accumulateInput">Add into dinput instead of overwriting it.</param>
    public static void LinearBackward(Span<float> dinput, Span<float> dLoraDown, Span<float> dLoraUp, Span<float> dLoraMid,
        ReadOnlySpan<float> dout, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> loraDown,
        ReadOnlySpan<float> loraUp, ReadOnlySpan<float> loraMid, float loraScale, int rows, int inF, int outF, int rank,
        bool accumulateInput = false)
    {
        Positive(rows, nameof(rows)); Positive(inF, nameof(inF)); Positive(outF, nameof(outF));
        if (rank < 0) throw new ArgumentException($"rank must be ≥ 0 (got {rank})", nameof(rank));
        Need(dout.Length, (long)rows * outF, nameof(dout));
        bool wantInput = !dinput.IsEmpty;
        if (wantInput)
        {
            Need(dinput.Length, (long)rows * inF, nameof(dinput)); Need(weight.Length, (long)outF * inF, nameof(weight));
            Gemm.MatMul(dout, weight, dinput, rows, inF, outF, accumulateInput);
        }
        if (rank == 0) return;
        Need(input.Length, (long)rows * inF, nameof(input));
        Need(loraDown.Length, (long)rank * inF, nameof(loraDown)); Need(loraUp.Length, (long)outF * rank, nameof(loraUp));
        Need(loraMid.Length, (long)rows * rank, nameof(loraMid)); Need(dLoraMid.Length, (long)rows * rank, nameof(dLoraMid));
        Need(dLoraDown.Length, (long)rank * inF, nameof(dLoraDown)); Need(dLoraUp.Length, (long)outF * rank, nameof(dLoraUp));
        var tmp = CpuScratch.A(rank * outF).AsSpan(0, rank * outF);
        // dMid = s · dy B   computed as dy · (s·Bᵀ)ᵀ: dot products along outF
        for (int o = 0; o < outF; o++)
            for (int r = 0; r < rank; r++) tmp[r * outF + o] = loraScale * loraUp[o * rank + r];
        Gemm.MatMulTransB(dout, tmp, dLoraMid, rows, rank, outF);
        // dBᵀ [rank, outF] = midᵀ dy, then dB += s · (dBᵀ)ᵀ
        Gemm.MatMulTransA(loraMid, dout, tmp, rank, outF, rows);
        for (int o = 0; o < outF; o++)
            for (int r = 0; r < rank; r++) dLoraUp[o * rank + r] += loraScale * tmp[r * outF + o];
        // dA += dMidᵀ x (dMid already carries s)
        Gemm.MatMulTransA(dLoraMid, input, dLoraDown, rank, inF, rows, accumulate: true);
        if (wantInput) Gemm.MatMul(dLoraMid, loraDown, dinput, rows, inF, rank, accumulate: true);
    }

    /// <summary><c>x[r, :] += v</c> for every row.</summary>
    static void AddRowVector(Span<float> x, ReadOnlySpan<float> v, int rows, int dim)
    {
        fixed (float* px = x, pv = v)
        {
            nint X = (nint)px, V = (nint)pv;
            CpuParallel.For(rows, dim, r =>
            {
                var xr = new Span<float>((float*)X + (long)r * dim, dim);
                TensorPrimitives.Add(xr, new ReadOnlySpan<float>((float*)V, dim), xr);
            });
        }
    }
}
