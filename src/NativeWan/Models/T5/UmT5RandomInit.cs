using NativeWan.IO.SafeTensors;
using NativeWan.Numerics;

namespace NativeWan.Models.T5;

/// <summary>
/// Writes a (um)T5 encoder with official state-dict names (spec wan-architecture.md 6.3) and deterministic random
/// weights for the tiny example and tests: Linear weights N(0, 1/fan_in), embedding N(0, 1), norm weights
/// 1 + N(0, 0.1²), relative-bias tables N(0, 0.5²). Optionally embeds a SentencePiece model as the U8 tensor
/// <c>spiece_model</c>, as ComfyUI's umT5 files do.
/// </summary>
public static class UmT5RandomInit
{
    /// <summary>Builds the weights of <paramref name="c"/> (per-layer relative bias, float32) into a writer.</summary>
    public static SafeTensorsWriter Create(UmT5Config c, ulong seed, byte[]? spieceModel = null)
    {
        if (c.SharedPositionBias) throw new ArgumentException("only the umT5 layout (a bias table per layer) is generated");
        var rng = new Prng(seed);
        var w = new SafeTensorsWriter();
        void Normal(string name, float mean, float std, params long[] shape)
        {
            var v = new float[shape.Aggregate(1L, (a, b) => a * b)];
            rng.FillGaussian(v);
            for (int i = 0; i < v.Length; i++) v[i] = mean + std * v[i];
            w.AddF32(name, v, shape);
        }
        Normal("token_embedding.weight", 0, 1, c.Vocab, c.Dim);
        for (int i = 0; i < c.NumLayers; i++)
        {
            string p = $"blocks.{i}.";
            Normal(p + "norm1.weight", 1, 0.1f, c.Dim);
            foreach (var n in new[] { "q", "k", "v" }) Normal(p + $"attn.{n}.weight", 0, 1f / MathF.Sqrt(c.Dim), c.DimAttn, c.Dim);
            Normal(p + "attn.o.weight", 0, 1f / MathF.Sqrt(c.DimAttn), c.Dim, c.DimAttn);
            Normal(p + "norm2.weight", 1, 0.1f, c.Dim);
            Normal(p + "ffn.gate.0.weight", 0, 1f / MathF.Sqrt(c.Dim), c.DimFfn, c.Dim);
            Normal(p + "ffn.fc1.weight", 0, 1f / MathF.Sqrt(c.Dim), c.DimFfn, c.Dim);
            Normal(p + "ffn.fc2.weight", 0, 1f / MathF.Sqrt(c.DimFfn), c.Dim, c.DimFfn);
            Normal(p + "pos_embedding.embedding.weight", 0, 0.5f, c.NumBuckets, c.NumHeads);
        }
        Normal("norm.weight", 1, 0.1f, c.Dim);
        if (spieceModel != null) w.Add("spiece_model", DType.U8, [spieceModel.Length], spieceModel);
        w.Metadata["what"] = $"umT5 encoder with random weights (seed {seed}) from NativeWan UmT5RandomInit";
        return w;
    }
}
