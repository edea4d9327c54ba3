using NativeWan.Numerics;
using CpuGemm = NativeWan.Ops.Cpu.Gemm;

namespace NativeWan.Ops.Cuda;

public sealed partial class KernelVerifier
{
    /// <summary>
    /// The three <see cref="IGemm"/> forms on <see cref="SimpleGemm"/> (kernels/gemm_simple.cu) and, when the ops carry a
    /// different GEMM (cuBLASLt), on that one too; against the CPU products of the same bf16-representable operands, with
    /// and without bias and accumulation, for bf16 and fp32 outputs. Shapes are not multiples of the 64×64×16 tile.
    /// </summary>
    void GemmCases(Session s)
    {
        var gemms = new List<IGemm> { new SimpleGemm(_ops.Backend) };
        if (_ops.Gemm is { } other && other is not SimpleGemm) gemms.Add(other);
        foreach (var gemm in gemms)
            foreach (var (m, n, k, ct) in new[] { (70, 96, 80, DType.BF16), (33, 130, 200, DType.F32), (1, 768, 128, DType.F32), (130, 17, 5, DType.BF16) })
            {
                string shape = $"m={m} n={n} k={k} C={Lower(ct)} ({gemm.Name})";
                s.Case("IGemm.Forward/BackwardA/BackwardB", shape, () =>
                {
                    var a = s.Rand((long)m * k); var b = s.Rand((long)n * k, 0.25f); var bias = s.Rand(n, 0.5f);
                    var c0 = s.Rand((long)m * n);
                    var ga = s.Up(a, DType.BF16); var gb = s.Up(b, DType.BF16);

                    // forward, =, with bias
                    var y = new float[(long)m * n];
                    CpuGemm.MatMulTransB(a, b, y, m, n, k);
                    for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) y[(long)i * n + j] += bias[j];
                    var gy = s.Nan((long)m * n, ct);
                    gemm.Forward(gy, ga, gb, s.Up(bias, ct), m, n, k);
                    s.Compare("Forward", shape, "C = A·Bᵀ + bias", gy, y);

                    // forward, +=, no bias
                    var yAcc = (float[])c0.Clone();
                    CpuGemm.MatMulTransB(a, b, yAcc, m, n, k, accumulate: true);
                    var gyAcc = s.Up(c0, ct);
                    gemm.Forward(gyAcc, ga, gb, default, m, n, k, accumulate: true);
                    s.Compare("Forward", shape, "C += A·Bᵀ", gyAcc, yAcc);

                    // dA = dC·B (=) and (+=)
                    var dc = s.Rand((long)m * n); var gdc = s.Up(dc, DType.BF16);
                    var da = new float[(long)m * k];
                    CpuGemm.MatMul(dc, b, da, m, k, n);
                    var gda = s.Nan((long)m * k, ct);
                    gemm.BackwardA(gda, gdc, gb, m, n, k);
                    s.Compare("BackwardA", shape, "dA = dC·B", gda, da);
                    var da0 = s.Rand((long)m * k); var daAcc = (float[])da0.Clone();
                    CpuGemm.MatMul(dc, b, daAcc, m, k, n, accumulate: true);
                    var gdaAcc = s.Up(da0, ct);
                    gemm.BackwardA(gdaAcc, gdc, gb, m, n, k, accumulate: true);
                    s.Compare("BackwardA", shape, "dA += dC·B", gdaAcc, daAcc);

                    // dB = dCᵀ·A (=) and (+=)
                    var db = new float[(long)n * k];
                    CpuGemm.MatMulTransA(dc, a, db, n, k, m);
                    var gdb = s.Nan((long)n * k, ct);
                    gemm.BackwardB(gdb, gdc, ga, m, n, k);
                    s.Compare("BackwardB", shape, "dB = dCᵀ·A", gdb, db);
                    var db0 = s.Rand((long)n * k); var dbAcc = (float[])db0.Clone();
                    CpuGemm.MatMulTransA(dc, a, dbAcc, n, k, m, accumulate: true);
                    var gdbAcc = s.Up(db0, ct);
                    gemm.BackwardB(gdbAcc, gdc, ga, m, n, k, accumulate: true);
                    s.Compare("BackwardB", shape, "dB += dCᵀ·A", gdbAcc, dbAcc);
                });
            }
    }
}
