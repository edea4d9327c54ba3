using System.Numerics.Tensors;

namespace NativeWan.Models.T5;

/// <summary>Float32 row operations of the T5 encoder (spec §6.1).</summary>
internal static class T5Ops
{
    /// <summary>
    /// T5 RMS norm per row: <c>y = w · (x · rsqrt(mean(x²) + eps))</c>; no mean subtraction, no bias.
    /// x, y: [rows, dim] (may alias).
    /// </summary>
    public static void RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> y, int rows, int dim, float eps)
    {
        for (int r = 0; r < rows; r++)
        {
            var xi = x.Slice(r * dim, dim);
            var yi = y.Slice(r * dim, dim);
            float meanSq = TensorPrimitives.SumOfSquares(xi) / dim;
            float inv = 1f / MathF.Sqrt(meanSq + eps);
            TensorPrimitives.Multiply(xi, inv, yi);
            TensorPrimitives.Multiply(yi, weight, yi);
        }
    }

    /// <summary>GELU, tanh approximation, in place: <c>0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))</c> (official <c>t5.GELU</c>).</summary>
    public static void GeluTanhInPlace(Span<float> x)
    {
        float c = (float)Math.Sqrt(2.0 / Math.PI);
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            x[i] = 0.5f * v * (1f + MathF.Tanh(c * (v + 0.044715f * (v * v * v))));
        }
    }

    /// <summary>Numerically stable softmax of one row, in place.</summary>
    public static void SoftmaxInPlace(Span<float> row)
    {
        float max = TensorPrimitives.Max(row);
        TensorPrimitives.Subtract(row, max, row);
        TensorPrimitives.Exp(row, row);
        float sum = TensorPrimitives.Sum(row);
        TensorPrimitives.Divide(row, sum, row);
    }
}
