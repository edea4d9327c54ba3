using NativeWan.IO.SafeTensors;
using NativeWan.Numerics;

namespace NativeWan.Models.Vae;

/// <summary>
/// The official <c>WanVAE_</c> state-dict layout (key names and shapes, from the <c>Encoder3d</c>/<c>Decoder3d</c>
/// constructors, spec wan-architecture.md 5.1) for any configuration, and a writer of deterministic random weights
/// in that layout for the tiny example and tests: conv weights U(±√(3/fan_in)) (variance 1/fan_in), biases ±0.05,
/// RMS-norm gammas 1 ± 0.1.
/// </summary>
public static class WanVaeRandomInit
{
    /// <summary>Every tensor of a Wan 2.1-style VAE: (name, shape) in constructor order.</summary>
    /// <param name="dim">Base width (96 for the released model).</param>
    /// <param name="zDim">Latent channels (16).</param>
    /// <param name="dimMult">Width multipliers per level ([1, 2, 4, 4]).</param>
    /// <param name="numRes">Residual blocks per encoder level (2; the decoder has one more).</param>
    /// <param name="temporalDown">Per down-sampling level, whether it also halves time ([false, true, true]).</param>
    public static IEnumerable<(string Name, long[] Shape)> Layout(int dim, int zDim, int[] dimMult, int numRes, bool[] temporalDown)
    {
        var list = new List<(string, long[])>();
        void Add(string name, params long[] shape) => list.Add((name, shape));
        void Res(string n, int cin, int cout)
        {
            Add(n + ".residual.0.gamma", cin, 1, 1, 1);
            Add(n + ".residual.2.weight", cout, cin, 3, 3, 3); Add(n + ".residual.2.bias", cout);
            Add(n + ".residual.3.gamma", cout, 1, 1, 1);
            Add(n + ".residual.6.weight", cout, cout, 3, 3, 3); Add(n + ".residual.6.bias", cout);
            if (cin != cout) { Add(n + ".shortcut.weight", cout, cin, 1, 1, 1); Add(n + ".shortcut.bias", cout); }
        }
        void Middle(string p, int c)
        {
            Res(p + ".middle.0", c, c);
            Add(p + ".middle.1.norm.gamma", c, 1, 1);
            Add(p + ".middle.1.to_qkv.weight", 3 * c, c, 1, 1); Add(p + ".middle.1.to_qkv.bias", 3 * c);
            Add(p + ".middle.1.proj.weight", c, c, 1, 1); Add(p + ".middle.1.proj.bias", c);
            Res(p + ".middle.2", c, c);
        }

        int[] enc = [dim, .. dimMult.Select(m => dim * m)];
        Add("encoder.conv1.weight", enc[0], 3, 3, 3, 3); Add("encoder.conv1.bias", enc[0]);
        int idx = 0, cout = enc[0];
        for (int i = 0; i < dimMult.Length; i++)
        {
            int cin = enc[i]; cout = enc[i + 1];
            for (int r = 0; r < numRes; r++) { Res($"encoder.downsamples.{idx++}", cin, cout); cin = cout; }
            if (i != dimMult.Length - 1)
            {
                string n = $"encoder.downsamples.{idx++}";
                Add(n + ".resample.1.weight", cout, cout, 3, 3); Add(n + ".resample.1.bias", cout);
                if (temporalDown[i]) { Add(n + ".time_conv.weight", cout, cout, 3, 1, 1); Add(n + ".time_conv.bias", cout); }
            }
        }
        Middle("encoder", cout);
        Add("encoder.head.0.gamma", cout, 1, 1, 1);
        Add("encoder.head.2.weight", 2 * zDim, cout, 3, 3, 3); Add("encoder.head.2.bias", 2 * zDim);
        Add("conv1.weight", 2 * zDim, 2 * zDim, 1, 1, 1); Add("conv1.bias", 2 * zDim);
        Add("conv2.weight", zDim, zDim, 1, 1, 1); Add("conv2.bias", zDim);

        int[] dec = [dim * dimMult[^1], .. dimMult.Reverse().Select(m => dim * m)];
        var temporalUp = temporalDown.Reverse().ToArray();
        Add("decoder.conv1.weight", dec[0], zDim, 3, 3, 3); Add("decoder.conv1.bias", dec[0]);
        Middle("decoder", dec[0]);
        idx = 0;
        for (int i = 0; i < dimMult.Length; i++)
        {
            int cin = i == 0 ? dec[0] : dec[i] / 2; cout = dec[i + 1];
            for (int r = 0; r < numRes + 1; r++) { Res($"decoder.upsamples.{idx++}", cin, cout); cin = cout; }
            if (i != dimMult.Length - 1)
            {
                string n = $"decoder.upsamples.{idx++}";
                Add(n + ".resample.1.weight", cout / 2, cout, 3, 3); Add(n + ".resample.1.bias", cout / 2);
                if (temporalUp[i]) { Add(n + ".time_conv.weight", 2 * cout, cout, 3, 1, 1); Add(n + ".time_conv.bias", 2 * cout); }
            }
        }
        Add("decoder.head.0.gamma", cout, 1, 1, 1);
        Add("decoder.head.2.weight", 3, cout, 3, 3, 3); Add("decoder.head.2.bias", 3);
        return list;
    }

    /// <summary>Random float32 weights for <see cref="Layout"/> from <paramref name="seed"/>.</summary>
    public static SafeTensorsWriter Create(int dim, int zDim, int[] dimMult, int numRes, bool[] temporalDown, ulong seed)
    {
        var rng = new Prng(seed);
        var w = new SafeTensorsWriter();
        foreach (var (name, shape) in Layout(dim, zDim, dimMult, numRes, temporalDown))
        {
            var v = new float[shape.Aggregate(1L, (a, b) => a * b)];
            long fanIn = shape.Skip(1).Aggregate(1L, (a, b) => a * b);
            float a = name.EndsWith(".gamma") ? 0.1f : name.EndsWith(".bias") ? 0.05f : MathF.Sqrt(3f / fanIn);
            float center = name.EndsWith(".gamma") ? 1f : 0f;
            for (int i = 0; i < v.Length; i++) v[i] = center + a * (2 * (float)rng.NextDouble() - 1);
            w.AddF32(name, v, shape);
        }
        w.Metadata["what"] = $"Wan 2.1-style VAE with random weights (seed {seed}) from NativeWan WanVaeRandomInit";
        w.Metadata["config"] = System.Text.Json.JsonSerializer.Serialize(new { dim, z_dim = zDim, dim_mult = dimMult, num_res_blocks = numRes, temperal_downsample = temporalDown });
        return w;
    }
}
