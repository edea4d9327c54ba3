using System.Text.Json;
using NativeWan.IO.SafeTensors;
using NativeWan.Numerics;

namespace NativeWan.Models.Wan;

/// <summary>
/// Writes a Wan DiT with the official architecture and state-dict names (spec wan-architecture.md 2.8) and
/// deterministic random weights, for the shipped tiny example and tests: Linear/Conv weights N(0, 1/fan_in), biases
/// N(0, 0.02²), modulations N(0, 0.1²), norm weights 1 + N(0, 0.1²), norm3 bias N(0, 0.05²) — the recipe of the golden
/// files (golden/README.md section 1). The <c>config</c> metadata JSON records num_heads and text_len so
/// <see cref="WanConfig.FromWeights"/> recovers the configuration.
/// </summary>
public static class WanRandomInit
{
    /// <summary>Builds the weights of <paramref name="cfg"/> from <paramref name="seed"/> into a writer (float32).</summary>
    public static SafeTensorsWriter Create(WanConfig cfg, ulong seed)
    {
        var rng = new Prng(seed);
        var w = new SafeTensorsWriter();
        int d = cfg.Dim, pv = cfg.PatchSize.T * cfg.PatchSize.H * cfg.PatchSize.W;
        void Normal(string name, float mean, float std, params long[] shape)
        {
            long n = shape.Aggregate(1L, (a, b) => a * b);
            var v = new float[n];
            rng.FillGaussian(v);
            for (long i = 0; i < n; i++) v[i] = mean + std * v[i];
            w.AddF32(name, v, shape);
        }
        void Linear(string path, int @in, int @out)
        {
            Normal(path + ".weight", 0, 1f / MathF.Sqrt(@in), @out, @in);
            Normal(path + ".bias", 0, 0.02f, @out);
        }
        Normal("patch_embedding.weight", 0, 1f / MathF.Sqrt(cfg.InDim * pv), d, cfg.InDim, cfg.PatchSize.T, cfg.PatchSize.H, cfg.PatchSize.W);
        Normal("patch_embedding.bias", 0, 0.02f, d);
        Linear("text_embedding.0", cfg.TextDim, d);
        Linear("text_embedding.2", d, d);
        Linear("time_embedding.0", cfg.FreqDim, d);
        Linear("time_embedding.2", d, d);
        Linear("time_projection.1", d, 6 * d);
        for (int b = 0; b < cfg.NumLayers; b++)
        {
            string p = $"blocks.{b}";
            Normal(p + ".modulation", 0, 0.1f, 1, 6, d);
            foreach (var a in new[] { "self_attn", "cross_attn" })
            {
                foreach (var l in new[] { "q", "k", "v", "o" }) Linear($"{p}.{a}.{l}", d, d);
                Normal($"{p}.{a}.norm_q.weight", 1, 0.1f, d);
                Normal($"{p}.{a}.norm_k.weight", 1, 0.1f, d);
            }
            Normal(p + ".norm3.weight", 1, 0.1f, d);
            Normal(p + ".norm3.bias", 0, 0.05f, d);
            Linear(p + ".ffn.0", d, cfg.FfnDim);
            Linear(p + ".ffn.2", cfg.FfnDim, d);
        }
        Normal("head.modulation", 0, 0.1f, 1, 2, d);
        Linear("head.head", d, pv * cfg.OutDim);
        w.Metadata["config"] = JsonSerializer.Serialize(new
        {
            model_type = cfg.ModelType.ToString().ToLowerInvariant(), in_dim = cfg.InDim, dim = d, ffn_dim = cfg.FfnDim,
            freq_dim = cfg.FreqDim, text_dim = cfg.TextDim, num_heads = cfg.NumHeads, num_layers = cfg.NumLayers,
            text_len = cfg.TextLen, out_dim = cfg.OutDim, patch_size = new[] { cfg.PatchSize.T, cfg.PatchSize.H, cfg.PatchSize.W },
        });
        w.Metadata["what"] = $"Wan DiT {cfg.ModelType} with random weights (seed {seed}) from NativeWan WanRandomInit";
        return w;
    }
}
