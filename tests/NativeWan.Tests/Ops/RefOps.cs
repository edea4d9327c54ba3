namespace NativeWan.Tests.Ops;

/// <summary>
/// Independent float64 reference implementations of the DiT operators, written directly from the formulas of
/// spec sections 2 and 10 (naive loops, no tiling), used as the ground truth of the finite-difference tests.
/// </summary>
internal static class RefOps
{
    public static double[] LayerNorm(double[] x, double[]? w, double[]? b, int rows, int dim, double eps)
    {
        var y = new double[rows * dim];
        for (int r = 0; r < rows; r++)
        {
            double mu = 0, var = 0;
            for (int c = 0; c < dim; c++) mu += x[r * dim + c];
            mu /= dim;
            for (int c = 0; c < dim; c++) var += Sq(x[r * dim + c] - mu);
            var /= dim;
            for (int c = 0; c < dim; c++)
                y[r * dim + c] = (x[r * dim + c] - mu) / Math.Sqrt(var + eps) * (w?[c] ?? 1) + (b?[c] ?? 0);
        }
        return y;
    }

    public static double[] RmsNorm(double[] x, double[] w, int rows, int dim, double eps)
    {
        var y = new double[rows * dim];
        for (int r = 0; r < rows; r++)
        {
            double ms = 0;
            for (int c = 0; c < dim; c++) ms += Sq(x[r * dim + c]);
            double rs = 1 / Math.Sqrt(ms / dim + eps);
            for (int c = 0; c < dim; c++) y[r * dim + c] = x[r * dim + c] * rs * w[c];
        }
        return y;
    }

    /// <summary>shift/scale/gate vectors either [dim] or [rows·dim].</summary>
    static double V(double[] v, int r, int c, int dim) => v.Length == dim ? v[c] : v[r * dim + c];

    public static double[] Modulate(double[] x, double[] shift, double[] scale, int rows, int dim)
    {
        var y = new double[rows * dim];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < dim; c++) y[r * dim + c] = x[r * dim + c] * (1 + V(scale, r, c, dim)) + V(shift, r, c, dim);
        return y;
    }

    public static double[] Gated(double[] x, double[] y, double[] gate, int rows, int dim)
    {
        var o = new double[rows * dim];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < dim; c++) o[r * dim + c] = x[r * dim + c] + y[r * dim + c] * V(gate, r, c, dim);
        return o;
    }

    public static double Gelu(double z) => 0.5 * z * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (z + 0.044715 * z * z * z)));
    public static double Silu(double z) => z / (1 + Math.Exp(-z));

    /// <summary>3-D RoPE per the golden README: pairs split c − 2⌊c/3⌋ / ⌊c/3⌋ / ⌊c/3⌋, bases d − 4⌊d/6⌋ and 2⌊d/6⌋.</summary>
    public static double[] Rope(double[] x, int rows, int heads, int d, int gf, int gh, int gw, double sign = 1)
    {
        int c = d / 2, ps = c / 3, pf = c - 2 * ps, dt = d - 4 * (d / 6), ds = 2 * (d / 6);
        var y = (double[])x.Clone();
        for (int n = 0; n < Math.Min(rows, gf * gh * gw); n++)
        {
            int f = n / (gh * gw), h = n / gw % gh, w = n % gw;
            for (int hh = 0; hh < heads; hh++)
                for (int i = 0; i < c; i++)
                {
                    double th = i < pf ? f * Math.Pow(10000, -2.0 * i / dt)
                        : i < pf + ps ? h * Math.Pow(10000, -2.0 * (i - pf) / ds)
                        : w * Math.Pow(10000, -2.0 * (i - pf - ps) / ds);
                    th *= sign;
                    int o = n * heads * d + hh * d + 2 * i;
                    double a = x[o], b = x[o + 1];
                    y[o] = a * Math.Cos(th) - b * Math.Sin(th);
                    y[o + 1] = a * Math.Sin(th) + b * Math.Cos(th);
                }
        }
        return y;
    }

    /// <summary>Naive masked softmax attention, q [lq, H·D], k/v [lk, H·D].</summary>
    public static double[] Attention(double[] q, double[] k, double[] v, int lq, int lk, int heads, int d, int keyValid, double scale)
    {
        int w = heads * d;
        var o = new double[lq * w];
        var s = new double[keyValid];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < lq; i++)
            {
                double mx = double.NegativeInfinity;
                for (int j = 0; j < keyValid; j++)
                {
                    double dot = 0;
                    for (int e = 0; e < d; e++) dot += q[i * w + h * d + e] * k[j * w + h * d + e];
                    s[j] = dot * scale; mx = Math.Max(mx, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < keyValid; j++) { s[j] = Math.Exp(s[j] - mx); sum += s[j]; }
                for (int j = 0; j < keyValid; j++)
                    for (int e = 0; e < d; e++) o[i * w + h * d + e] += s[j] / sum * v[j * w + h * d + e];
            }
        return o;
    }

    /// <summary>y = x Wᵀ + b + s·(x Aᵀ) Bᵀ.</summary>
    public static double[] Linear(double[] x, double[] wt, double[]? b, double[]? down, double[]? up, double s, int rows, int inF, int outF, int rank)
    {
        var y = new double[rows * outF];
        var mid = new double[rank];
        for (int r = 0; r < rows; r++)
        {
            for (int q = 0; q < rank; q++)
            {
                double t = 0;
                for (int c = 0; c < inF; c++) t += x[r * inF + c] * down![q * inF + c];
                mid[q] = t;
            }
            for (int o = 0; o < outF; o++)
            {
                double t = b?[o] ?? 0;
                for (int c = 0; c < inF; c++) t += x[r * inF + c] * wt[o * inF + c];
                for (int q = 0; q < rank; q++) t += s * mid[q] * up![o * rank + q];
                y[r * outF + o] = t;
            }
        }
        return y;
    }

    static double Sq(double v) => v * v;
}
