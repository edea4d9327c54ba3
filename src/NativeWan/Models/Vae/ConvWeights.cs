namespace NativeWan.Models.Vae;

/// <summary>
/// Weights of one Conv2d/Conv3d, reordered for channel-last im2col: <see cref="W"/> is <c>[Cout, Kt, Kh, Kw, Cin]</c>
/// row-major (from PyTorch's <c>[Cout, Cin, Kt, Kh, Kw]</c>; a Conv2d has Kt = 1), <see cref="Bias"/> is <c>[Cout]</c>.
/// </summary>
internal sealed class ConvWeights
{
    public float[] W { get; }
    public float[] Bias { get; }
    public int Cout { get; }
    public int Cin { get; }
    public int Kt { get; }
    public int Kh { get; }
    public int Kw { get; }

    /// <summary>Reduction length Kt·Kh·Kw·Cin.</summary>
    public int K => Kt * Kh * Kw * Cin;

    public ConvWeights(float[] torchWeight, float[] bias, int cout, int cin, int kt, int kh, int kw)
    {
        Cout = cout; Cin = cin; Kt = kt; Kh = kh; Kw = kw;
        Bias = bias;
        int taps = kt * kh * kw;
        var w = new float[(long)cout * cin * taps];
        for (int o = 0; o < cout; o++)
            for (int i = 0; i < cin; i++)
                for (int k = 0; k < taps; k++)
                    w[((long)o * taps + k) * cin + i] = torchWeight[((long)o * cin + i) * taps + k];
        W = w;
        if (ConvMicroKernel.IsSupported)
        {
            Packed = ConvMicroKernel.Pack(w, cout, K);
            PaddedBias = ConvMicroKernel.PadBias(bias);
        }
    }

    /// <summary><see cref="W"/> packed for <see cref="ConvMicroKernel"/> (null when it is not supported).</summary>
    public float[]? Packed { get; }

    /// <summary><see cref="Bias"/> zero-padded to a multiple of 16 (null when the kernel is not supported).</summary>
    public float[]? PaddedBias { get; }

    /// <summary>
    /// Loads <c>{name}.weight</c> and <c>{name}.bias</c>. The weight must be 5-D <c>[Cout, Cin, kt, kh, kw]</c> when
    /// <paramref name="conv3d"/>, else 4-D <c>[Cout, Cin, kh, kw]</c>; the kernel must equal (kt, kh, kw); Cin must
    /// equal <paramref name="cin"/> when that is positive.
    /// </summary>
    /// <exception cref="NativeWan.IO.ModelFileException">Missing tensor or unexpected shape.</exception>
    public static ConvWeights Load(VaeWeightReader r, string name, bool conv3d, int kt, int kh, int kw, int cin = -1)
    {
        string wn = name + ".weight";
        var s = r.Shape(wn);
        int rank = conv3d ? 5 : 4;
        if (s.Length != rank)
            throw r.Error(wn, $"expected a {rank}-D conv weight, got shape [{string.Join(", ", s)}]");
        long skt = conv3d ? s[2] : 1, skh = s[rank - 2], skw = s[rank - 1];
        if (skt != kt || skh != kh || skw != kw)
            throw r.Error(wn, $"kernel ({skt}, {skh}, {skw}) but ({kt}, {kh}, {kw}) was expected, shape [{string.Join(", ", s)}]");
        if (cin > 0 && s[1] != cin)
            throw r.Error(wn, $"{s[1]} input channels but {cin} were expected, shape [{string.Join(", ", s)}]");
        int cout = checked((int)s[0]), ci = checked((int)s[1]);
        var w = r.Read(wn, s);
        var b = r.Read(name + ".bias", cout);
        return new ConvWeights(w, b, cout, ci, kt, kh, kw);
    }
}
