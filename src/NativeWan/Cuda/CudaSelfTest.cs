using System.Diagnostics;
using NativeWan.Cuda.Blas;
using NativeWan.Cuda.Driver;
using NativeWan.Cuda.Memory;
using NativeWan.Numerics;

namespace NativeWan.Cuda;

/// <summary>Outcome of one GPU-versus-CPU check.</summary>
/// <param name="Name">What was checked.</param>
/// <param name="Passed">Within tolerance.</param>
/// <param name="Detail">Sizes, maximum error and tolerance.</param>
/// <param name="Elapsed">Wall time including copies.</param>
public sealed record SelfTestResult(string Name, bool Passed, string Detail, TimeSpan Elapsed);

/// <summary>
/// Small end-to-end checks of the CUDA path (copies, kernel launch, cuBLASLt) against the CPU reference
/// (<see cref="Ops.Cpu.Gemm"/>, <see cref="BFloat16"/> rounding). Used by <c>nativewan doctor</c> and the GPU tests.
/// Inputs are deterministic pseudo-random bf16 values in [-1, 1).
/// </summary>
public static class CudaSelfTest
{
    /// <summary>
    /// Runs <c>nw_scale_add_bf16</c> (or the <c>_v8</c> variant) from kernels/elementwise.cu on n elements and
    /// compares bit for bit with <see cref="ScaleAddReference"/> (the kernel's rounding contract makes them identical).
    /// </summary>
    /// <param name="module">The loaded elementwise module.</param>
    /// <param name="pool">Device allocator.</param>
    /// <param name="stream">Stream to run on.</param>
    /// <param name="kernel">"nw_scale_add_bf16" (any n) or "nw_scale_add_bf16_v8" (n rounded down to a multiple of 8).</param>
    /// <param name="n">Element count.</param>
    /// <param name="seed">Data seed.</param>
    public static SelfTestResult ScaleAddBf16(CudaModule module, CachingDeviceAllocator pool, CudaStream stream,
        string kernel = "nw_scale_add_bf16", int n = 4099, int seed = 1)
    {
        var sw = Stopwatch.StartNew();
        if (kernel.EndsWith("_v8", StringComparison.Ordinal)) n = Math.Max(8, n / 8 * 8);
        const float alpha = 0.75f, beta = -1.3125f;
        var x = RandomBf16(n, seed); var r = RandomBf16(n, seed + 1);
        var expected = new BFloat16[n];
        ScaleAddReference(x, r, alpha, beta, expected);

        ulong bytes = (ulong)n * 2;
        var dx = pool.Allocate(bytes, stream.Raw, "self-test x");
        var dr = pool.Allocate(bytes, stream.Raw, "self-test r");
        var dy = pool.Allocate(bytes, stream.Raw, "self-test y");
        var got = new BFloat16[n];
        try
        {
            CudaMemory.CopyToDevice<BFloat16>(dx.Pointer, x, stream.Raw);
            CudaMemory.CopyToDevice<BFloat16>(dr.Pointer, r, stream.Raw);
            CudaMemory.Fill(dy.Pointer, 0xFF, bytes, stream.Raw);
            var f = module.GetFunction(kernel);
            var args = new KernelArgs();
            args.Add(dy.Pointer); args.Add(dx.Pointer); args.Add(dr.Pointer);
            args.Add(alpha); args.Add(beta); args.Add((long)n);
            long work = kernel.EndsWith("_v8", StringComparison.Ordinal) ? n / 8 : n;
            f.Launch(Dim3.BlocksFor(Math.Min(work, 256L * 64), 256), 256, ref args, stream.Raw);
            CudaMemory.CopyToHost<BFloat16>(got, dy.Pointer, stream.Raw);
            stream.Synchronize();
        }
        finally { pool.Free(dx); pool.Free(dr); pool.Free(dy); }

        int mismatches = 0, first = -1;
        for (int i = 0; i < n; i++)
            if (got[i].Bits != expected[i].Bits) { mismatches++; if (first < 0) first = i; }
        string detail = mismatches == 0
            ? $"{n} elements bit-identical to the CPU reference"
            : $"{mismatches} of {n} elements differ; first at {first}: GPU {got[first]} (0x{got[first].Bits:X4}) vs CPU {expected[first]} (0x{expected[first].Bits:X4})";
        return new SelfTestResult(kernel, mismatches == 0, detail, sw.Elapsed);
    }

    /// <summary>Runs <c>nw_sum_squares_f32</c> and compares with a double-precision CPU sum (relative tolerance 1e-5).</summary>
    public static SelfTestResult SumSquares(CudaModule module, CachingDeviceAllocator pool, CudaStream stream, int n = 100_003, int seed = 3)
    {
        var sw = Stopwatch.StartNew();
        var rng = new Random(seed);
        var x = new float[n];
        double reference = 0;
        for (int i = 0; i < n; i++) { x[i] = (float)(rng.NextDouble() * 2 - 1); reference += (double)x[i] * x[i]; }
        var dx = pool.Allocate((ulong)n * 4, stream.Raw, "self-test x");
        var dout = pool.Allocate(4, stream.Raw, "self-test sum");
        var got = new float[1];
        try
        {
            CudaMemory.CopyToDevice<float>(dx.Pointer, x, stream.Raw);
            CudaMemory.Fill(dout.Pointer, 0, 4, stream.Raw);
            var args = new KernelArgs();
            args.Add(dout.Pointer); args.Add(dx.Pointer); args.Add((long)n);
            module.GetFunction("nw_sum_squares_f32").Launch(Dim3.BlocksFor(n, 256 * 4), 256, ref args, stream.Raw);
            CudaMemory.CopyToHost<float>(got, dout.Pointer, stream.Raw);
            stream.Synchronize();
        }
        finally { pool.Free(dx); pool.Free(dout); }
        double rel = Math.Abs(got[0] - reference) / Math.Max(1e-30, Math.Abs(reference));
        return new SelfTestResult("nw_sum_squares_f32", rel <= 1e-5, $"n={n}: GPU {got[0]:G9} vs CPU {reference:G9}, relative error {rel:E2} (tolerance 1e-5)", sw.Elapsed);
    }

    /// <summary>
    /// Linear-style GEMM on cuBLASLt: C[m,n] = A[m,k]·B[n,k]ᵀ + bias[n] with bf16 inputs, fp32 accumulation and bf16
    /// or fp32 output, compared with <see cref="Ops.Cpu.Gemm.MatMulTransB"/> on the same bf16-rounded inputs.
    /// Tolerance: fp32 output 2·k·2⁻²⁴·max|C| (summation order); bf16 output adds half a bf16 ulp (2⁻⁸·|C|).
    /// </summary>
    public static SelfTestResult Gemm(CublasLtGemm gemm, CachingDeviceAllocator pool, CudaStream stream,
        int m = 96, int n = 80, int k = 136, GemmOutput output = GemmOutput.Float32, bool bias = true, int seed = 7)
    {
        var sw = Stopwatch.StartNew();
        var a = RandomBf16(m * k, seed); var b = RandomBf16(n * k, seed + 1); var bb = RandomBf16(n, seed + 2);
        var af = ToFloat(a); var bf = ToFloat(b);
        var biasF = ToFloat(bb); // bf16-exact values, uploaded as bf16 or fp32 to match the output type
        var reference = new float[m * n];
        Ops.Cpu.Gemm.MatMulTransB(af, bf, reference, m, n, k);
        if (bias) for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) reference[i * n + j] += biasF[j];

        int outSize = output == GemmOutput.BFloat16 ? 2 : 4;
        var da = pool.Allocate((ulong)(m * k) * 2, stream.Raw, "gemm A");
        var db = pool.Allocate((ulong)(n * k) * 2, stream.Raw, "gemm B");
        var dc = pool.Allocate((ulong)(m * n) * (ulong)outSize, stream.Raw, "gemm C");
        var dbias = bias ? pool.Allocate((ulong)n * (ulong)outSize, stream.Raw, "gemm bias") : default;
        var got = new float[m * n];
        try
        {
            CudaMemory.CopyToDevice<BFloat16>(da.Pointer, a, stream.Raw);
            CudaMemory.CopyToDevice<BFloat16>(db.Pointer, b, stream.Raw);
            if (bias)
            {
                if (output == GemmOutput.BFloat16) CudaMemory.CopyToDevice<BFloat16>(dbias.Pointer, bb, stream.Raw);
                else CudaMemory.CopyToDevice<float>(dbias.Pointer, biasF, stream.Raw);
            }
            gemm.MatMul(da.Pointer, db.Pointer, dc.Pointer, m, n, k, transA: false, transB: true, output, bias ? dbias.Pointer : 0, stream: stream.Raw);
            if (output == GemmOutput.Float32) CudaMemory.CopyToHost<float>(got, dc.Pointer, stream.Raw);
            else
            {
                var g16 = new BFloat16[m * n];
                CudaMemory.CopyToHost<BFloat16>(g16, dc.Pointer, stream.Raw);
                NumericConvert.BFloat16ToSingle(g16, got);
            }
            stream.Synchronize();
        }
        finally { pool.Free(da); pool.Free(db); pool.Free(dc); pool.Free(dbias); }

        float maxRef = 0, maxErr = 0; int worst = 0;
        for (int i = 0; i < reference.Length; i++) maxRef = Math.Max(maxRef, Math.Abs(reference[i]));
        double sumTol = 2.0 * k * Math.Pow(2, -24) * maxRef;
        bool ok = true;
        for (int i = 0; i < reference.Length; i++)
        {
            float e = Math.Abs(got[i] - reference[i]);
            double tol = sumTol + (output == GemmOutput.BFloat16 ? Math.Pow(2, -8) * Math.Abs(reference[i]) : 0);
            if (!(e <= tol)) ok = false;
            if (!(e <= maxErr)) { maxErr = e; worst = i; }
        }
        string name = $"cuBLASLt bf16 GEMM → {output}{(bias ? " + bias" : "")}";
        return new SelfTestResult(name, ok,
            $"C[{m},{n}] = A[{m},{k}]·B[{n},{k}]ᵀ: max |error| {maxErr:E2} at ({worst / n},{worst % n}), max |C| {maxRef:F3}", sw.Elapsed);
    }

    /// <summary>CPU reference of the scale/add kernels: y = bf16(fma(alpha, x, beta·r)), beta·r rounded to fp32 first.</summary>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    public static void ScaleAddReference(ReadOnlySpan<BFloat16> x, ReadOnlySpan<BFloat16> r, float alpha, float beta, Span<BFloat16> y)
    {
        if (x.Length != r.Length || x.Length != y.Length) throw new ArgumentException($"lengths differ: x {x.Length}, r {r.Length}, y {y.Length}");
        for (int i = 0; i < x.Length; i++)
        {
            float br = beta * r[i].ToSingle();
            y[i] = BFloat16.FromSingle(MathF.FusedMultiplyAdd(alpha, x[i].ToSingle(), br));
        }
    }

    /// <summary>Deterministic bf16 values uniform in [-1, 1).</summary>
    public static BFloat16[] RandomBf16(int count, int seed)
    {
        var rng = new Random(seed);
        var f = new float[count];
        for (int i = 0; i < count; i++) f[i] = (float)(rng.NextDouble() * 2 - 1);
        var h = new BFloat16[count];
        NumericConvert.SingleToBFloat16(f, h);
        return h;
    }

    static float[] ToFloat(BFloat16[] h)
    {
        var f = new float[h.Length];
        NumericConvert.BFloat16ToSingle(h, f);
        return f;
    }
}
