using NativeWan.Numerics;
using NativeWan.Ops.Cpu;

namespace NativeWan.Ops.Cuda;

/// <summary>
/// The angle tables of a <see cref="RopeTable"/> in the layout kernels/rope3d.cu reads: per axis an fp32 array
/// [positions, pairs, 2] of (cos θ, sin θ), taken from the table's float64 values and rounded to fp32 once.
/// </summary>
/// <param name="HeadDim">Head size d.</param>
/// <param name="GridF">Token-grid frames.</param>
/// <param name="GridH">Token-grid rows.</param>
/// <param name="GridW">Token-grid columns.</param>
/// <param name="PairsF">Frame pairs (d/2 − 2·(d/2/3)).</param>
/// <param name="PairsH">Height pairs.</param>
/// <param name="PairsW">Width pairs.</param>
/// <param name="CosSinF">fp32 [GridF, PairsF, 2] on the device.</param>
/// <param name="CosSinH">fp32 [GridH, PairsH, 2].</param>
/// <param name="CosSinW">fp32 [GridW, PairsW, 2].</param>
public sealed record RopeDeviceTable(int HeadDim, int GridF, int GridH, int GridW, int PairsF, int PairsH, int PairsW,
    GpuTensor CosSinF, GpuTensor CosSinH, GpuTensor CosSinW)
{
    /// <summary>Number of grid tokens GridF·GridH·GridW.</summary>
    public int Tokens => GridF * GridH * GridW;

    /// <summary>
    /// The three host arrays for <paramref name="table"/>: element 2·(p·pairs + j) is cos θ and 2·(p·pairs + j) + 1 is
    /// sin θ of position p, pair j of that axis, each (float) of the table's float64 value.
    /// </summary>
    public static (float[] F, float[] H, float[] W) HostTables(RopeTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return (Interleave(table.CosF, table.SinF), Interleave(table.CosH, table.SinH), Interleave(table.CosW, table.SinW));
    }

    static float[] Interleave(double[] cos, double[] sin)
    {
        var r = new float[2 * cos.Length];
        for (int i = 0; i < cos.Length; i++) { r[2 * i] = (float)cos[i]; r[2 * i + 1] = (float)sin[i]; }
        return r;
    }

    /// <summary>Describes device copies of <paramref name="table"/>'s host arrays at the given addresses.</summary>
    public static RopeDeviceTable Describe(RopeTable table, ulong f, ulong h, ulong w)
    {
        ArgumentNullException.ThrowIfNull(table);
        return new RopeDeviceTable(table.HeadDim, table.GridF, table.GridH, table.GridW, table.PairsF, table.PairsH, table.PairsW,
            new GpuTensor(f, 2L * table.GridF * table.PairsF, DType.F32),
            new GpuTensor(h, 2L * table.GridH * table.PairsH, DType.F32),
            new GpuTensor(w, 2L * table.GridW * table.PairsW, DType.F32));
    }
}
