using System.Numerics.Tensors;

namespace NativeWan.Ops.Cpu;

public static unsafe partial class CpuOps
{
    const int ElementChunk = 1 << 14;
    const float GeluC = 0.7978845608028654f; // √(2/π)
    const float GeluA = 0.044715f;

    /// <summary>
    /// GELU, tanh approximation (spec 2.4/2.6, PyTorch <c>approximate='tanh'</c>):
    /// <c>0.5·z·(1 + tanh(√(2/π)·(z + 0.044715·z³)))</c>, element-wise.
    /// </summary>
    /// <param name="output">n elements; may alias <paramref name="input"/>.</param>
    /// <param name="input">n elements.</param>
    /// <param name="n">Number of elements.</param>
    public static void GeluTanhForward(Span<float> output, ReadOnlySpan<float> input, int n)
    {
        Need(output.Length, n, nameof(output)); Need(input.Length, n, nameof(input));
        fixed (float* po = output, pi = input)
        {
            nint O = (nint)po, I = (nint)pi;
            Chunks(n, 8, (s, len) =>
            {
                var z = new ReadOnlySpan<float>((float*)I + s, len);
                var o = new Span<float>((float*)O + s, len);
                var t = new Span<float>(CpuScratch.A(len), 0, len);
                GeluInner(z, t);                       // t = c·(z + a·z³)
                TensorPrimitives.Tanh<float>(t, t);
                TensorPrimitives.Add<float>(t, 1f, t);
                TensorPrimitives.Multiply(z, t, o);
                TensorPrimitives.Multiply<float>(o, 0.5f, o);
            });
        }
    }

    /// <summary>
    /// Backward of <see cref="GeluTanhForward"/> (spec section 10): with u = c(z + a z³), τ = tanh u,
    /// <c>dz = dout · (0.5(1+τ) + 0.5·z·(1−τ²)·c·(1 + 3a z²))</c>.
    /// </summary>
    /// <param name="dinput">n elements; may alias <paramref name="dout"/>.</param>
    /// <param name="input">The forward input z.</param>
    /// <param name="dout">Gradient of the output, same shape as the output.</param>
    /// <param name="n">Number of elements.</param>
    public static void GeluTanhBackward(Span<float> dinput, ReadOnlySpan<float> dout, ReadOnlySpan<float> input, int n)
    {
        Need(dinput.Length, n, nameof(dinput)); Need(dout.Length, n, nameof(dout)); Need(input.Length, n, nameof(input));
        fixed (float* pd = dinput, pdo = dout, pi = input)
        {
            nint D = (nint)pd, DO = (nint)pdo, I = (nint)pi;
            Chunks(n, 16, (s, len) =>
            {
                var z = new ReadOnlySpan<float>((float*)I + s, len);
                var tau = new Span<float>(CpuScratch.A(len), 0, len);
                var w = new Span<float>(CpuScratch.B(len), 0, len);
                GeluInner(z, tau);
                TensorPrimitives.Tanh<float>(tau, tau);
                // w = c·(1 + 3a z²)
                TensorPrimitives.Multiply(z, z, w);
                TensorPrimitives.Multiply<float>(w, 3f * GeluA * GeluC, w);
                TensorPrimitives.Add<float>(w, GeluC, w);
                // w ← 0.5·z·(1 − τ²)·w
                TensorPrimitives.Multiply(w, z, w);
                for (int i = 0; i < len; i++)
                {
                    float t = tau[i];
                    w[i] = 0.5f * (1f + t) + 0.5f * (1f - t * t) * w[i];
                }
                TensorPrimitives.Multiply(new ReadOnlySpan<float>((float*)DO + s, len), w, new Span<float>((float*)D + s, len));
            });
        }
    }

    static void GeluInner(ReadOnlySpan<float> z, Span<float> t)
    {
        TensorPrimitives.Multiply(z, z, t);
        TensorPrimitives.Multiply(t, z, t);              // z³
        TensorPrimitives.MultiplyAdd(t, GeluA, z, t);    // z + a z³
        TensorPrimitives.Multiply<float>(t, GeluC, t);
    }

    /// <summary>SiLU <c>z · sigmoid(z)</c>, element-wise (Wan time embedding / time projection, spec 2.3).</summary>
    /// <param name="output">n elements; may alias <paramref name="input"/>.</param>
    /// <param name="input">The forward input.</param>
    /// <param name="n">Number of elements.</param>
    public static void SiluForward(Span<float> output, ReadOnlySpan<float> input, int n)
    {
        Need(output.Length, n, nameof(output)); Need(input.Length, n, nameof(input));
        fixed (float* po = output, pi = input)
        {
            nint O = (nint)po, I = (nint)pi;
            Chunks(n, 4, (s, len) =>
            {
                var z = new ReadOnlySpan<float>((float*)I + s, len);
                var t = new Span<float>(CpuScratch.A(len), 0, len);
                TensorPrimitives.Sigmoid(z, t);
                TensorPrimitives.Multiply(z, t, new Span<float>((float*)O + s, len));
            });
        }
    }

    /// <summary>Backward of <see cref="SiluForward"/>: <c>dz = dout · σ(z) · (1 + z·(1 − σ(z)))</c>.</summary>
    /// <param name="dinput">n elements; may alias <paramref name="dout"/>.</param>
    /// <param name="dout">Gradient of the output, same shape as the output.</param>
    /// <param name="input">The forward input.</param>
    /// <param name="n">Number of elements.</param>
    public static void SiluBackward(Span<float> dinput, ReadOnlySpan<float> dout, ReadOnlySpan<float> input, int n)
    {
        Need(dinput.Length, n, nameof(dinput)); Need(dout.Length, n, nameof(dout)); Need(input.Length, n, nameof(input));
        fixed (float* pd = dinput, pdo = dout, pi = input)
        {
            nint D = (nint)pd, DO = (nint)pdo, I = (nint)pi;
            Chunks(n, 6, (s, len) =>
            {
                float* z = (float*)I + s, g = (float*)DO + s, d = (float*)D + s;
                for (int i = 0; i < len; i++)
                {
                    float sg = 1f / (1f + MathF.Exp(-z[i]));
                    d[i] = g[i] * sg * (1f + z[i] * (1f - sg));
                }
            });
        }
    }

    /// <summary>Runs body(start, length) over chunks of an element range, in parallel when large.</summary>
    static void Chunks(int n, int workPerElement, Action<int, int> body)
    {
        if (n <= 0) return;
        int chunks = (n + ElementChunk - 1) / ElementChunk;
        CpuParallel.For(chunks, (long)ElementChunk * workPerElement, c =>
        {
            int s = c * ElementChunk;
            body(s, Math.Min(ElementChunk, n - s));
        });
    }
}
