using NativeWan.IO;

namespace NativeWan.Models.Vae;

/// <summary>
/// Hyper-parameters of a Wan 2.1 VAE (<c>WanVAE_</c>, spec 5.1), as read from a checkpoint's tensor names and shapes.
/// The released model is dim 96, z_dim 16, dim_mult [1, 2, 4, 4], 2 residual blocks per stage, temporal downsample
/// [false, true, true].
/// </summary>
/// <param name="BaseDim">Channels after <c>encoder.conv1</c> (official <c>dim</c>).</param>
/// <param name="ZDim">Latent channels (official <c>z_dim</c>; the encoder head emits 2·ZDim: mean and log-variance).</param>
/// <param name="DimMult">Channel multiplier of each encoder stage (stage i has BaseDim·DimMult[i] channels).</param>
/// <param name="NumResBlocks">Residual blocks per encoder stage (the decoder has one more per stage).</param>
/// <param name="TemporalDownsample">For each encoder resample (one per stage but the last), whether it also halves time.</param>
public sealed record WanVaeConfig(int BaseDim, int ZDim, IReadOnlyList<int> DimMult, int NumResBlocks, IReadOnlyList<bool> TemporalDownsample)
{
    /// <summary>Decoder temporal-upsample flags: <see cref="TemporalDownsample"/> reversed.</summary>
    public IReadOnlyList<bool> TemporalUpsample => [.. TemporalDownsample.Reverse()];

    /// <summary>Spatial compression factor, 2^(stages − 1) (8 for the released model).</summary>
    public int SpatialFactor => 1 << TemporalDownsample.Count;

    /// <summary>Temporal compression factor, 2^(temporal downsamples) (4 for the released model): frames 1 + k·factor → latent frames 1 + k.</summary>
    public int TemporalFactor => 1 << TemporalDownsample.Count(b => b);

    /// <summary>
    /// Infers the configuration from official tensor names (an optional container prefix before <c>encoder.</c> is
    /// allowed): BaseDim from <c>encoder.conv1.weight</c>, ZDim from <c>conv2.weight</c>, the stage layout from the
    /// <c>encoder.downsamples.{i}</c> entries (residual blocks, resamples; a resample with <c>time_conv</c> weights is
    /// temporal), DimMult from each stage's output channels.
    /// </summary>
    /// <exception cref="ModelFileException">The tensors do not describe a Wan 2.1 VAE.</exception>
    public static WanVaeConfig FromWeights(ITensorSource weights) => FromReader(new VaeWeightReader(weights));

    internal static WanVaeConfig FromReader(VaeWeightReader r)
    {
        var c1 = r.Shape("encoder.conv1.weight");
        if (c1.Length != 5) throw r.Error("encoder.conv1.weight", "expected a 5-D Conv3d weight");
        int dim = checked((int)c1[0]);
        var c2 = r.Shape("conv2.weight");
        if (c2.Length != 5 || c2[0] != c2[1]) throw r.Error("conv2.weight", $"expected [z, z, 1, 1, 1], got [{string.Join(", ", c2)}]");
        int z = checked((int)c2[0]);

        var mult = new List<int>();
        var temporal = new List<bool>();
        var resCounts = new List<int>();
        int inStage = 0, stageOut = dim;
        int n = r.CountIndexed("encoder.downsamples.");
        for (int i = 0; i < n; i++)
        {
            string name = "encoder.downsamples." + i;
            if (r.Has(name + ".residual.6.weight")) { inStage++; stageOut = checked((int)r.Shape(name + ".residual.6.weight")[0]); }
            else if (r.Has(name + ".resample.1.weight"))
            {
                mult.Add(Mult(r, name, stageOut, dim));
                resCounts.Add(inStage);
                temporal.Add(r.Has(name + ".time_conv.weight"));
                inStage = 0;
            }
            else if (!r.Has(name + ".to_qkv.weight")) throw r.Error(name, "unrecognised encoder layer");
        }
        if (inStage == 0) throw r.Error("encoder.downsamples." + n, "the last encoder stage has no residual blocks");
        mult.Add(Mult(r, "encoder.downsamples." + (n - 1), stageOut, dim));
        resCounts.Add(inStage);
        if (resCounts.Distinct().Count() != 1)
            throw r.Error("encoder.downsamples", $"stages have different residual block counts [{string.Join(", ", resCounts)}]");
        return new WanVaeConfig(dim, z, mult, resCounts[0], temporal);
    }

    static int Mult(VaeWeightReader r, string name, int channels, int dim) =>
        channels % dim == 0 ? channels / dim : throw r.Error(name, $"stage width {channels} is not a multiple of the base dim {dim}");

    /// <inheritdoc/>
    public override string ToString() =>
        $"WanVaeConfig {{ dim = {BaseDim}, z_dim = {ZDim}, dim_mult = [{string.Join(", ", DimMult)}], num_res_blocks = {NumResBlocks}, " +
        $"temperal_downsample = [{string.Join(", ", TemporalDownsample)}] }}";
}
