using NativeWan.IO;
using NativeWan.IO.SafeTensors;
using NativeWan.Lora;
using NativeWan.Models.Wan;

namespace NativeWan.Tests.Models.Wan;

/// <summary>Bad weights and bad inputs are refused with exceptions that name what is wrong.</summary>
public sealed class WanDitInputValidationTests
{
    /// <summary>A view of a tensor source with some tensors hidden.</summary>
    sealed class Hiding(ITensorSource inner, params string[] hidden) : ITensorSource
    {
        public string SourcePath => inner.SourcePath;
        public IReadOnlyList<TensorInfo> Tensors => inner.Tensors.Where(t => !hidden.Contains(t.Name)).ToList();
        public IReadOnlyDictionary<string, string> Metadata => inner.Metadata;
        public bool TryGet(string name, out TensorInfo info)
        {
            if (hidden.Contains(name)) { info = null!; return false; }
            return inner.TryGet(name, out info);
        }
        public void ReadBytes(TensorInfo tensor, Span<byte> destination) => inner.ReadBytes(tensor, destination);
        public void ReadBytes(TensorInfo tensor, long start, Span<byte> destination) => inner.ReadBytes(tensor, start, destination);
        public void Dispose() { }
    }

    [Fact]
    public void MissingTensor_NamesFileAndTensor()
    {
        using var src = SafeTensorsFile.Open(Golden.Path("dit_t2v.safetensors"));
        var e = Assert.Throws<ModelFileException>(() => WanConfig.FromWeights(new Hiding(src, "head.head.weight")));
        Assert.Equal("head.head.weight", e.Tensor);
        var cfg = WanConfig.FromWeights(src);
        var e2 = Assert.Throws<ModelFileException>(() => WanWeights.Load(new Hiding(src, "blocks.1.cross_attn.norm_k.weight"), cfg));
        Assert.Contains("blocks.1.cross_attn.norm_k.weight", e2.Message);
        // one block fewer is detected as a shallower model, not silently misread
        Assert.Equal(1, WanConfig.FromWeights(new Hiding(src, "blocks.1.modulation")).NumLayers);
    }

    [Fact]
    public void BadInputs_Throw()
    {
        using var t2vSrc = SafeTensorsFile.Open(Golden.Path("dit_t2v.safetensors"));
        using var i2vSrc = SafeTensorsFile.Open(Golden.Path("dit_i2v.safetensors"));
        var t2v = WanDit.Load(t2vSrc);
        var i2v = WanDit.Load(i2vSrc);
        var xs = t2vSrc.Get("in.x").Shape;
        var shape = new LatentShape((int)xs[0], (int)xs[1], (int)xs[2], (int)xs[3]);
        var x = t2vSrc.ReadFloat32("in.x");
        var ctx = t2vSrc.ReadFloat32("in.context");
        float t = 500f;
        Assert.Throws<ArgumentException>(() => t2v.Forward(x.AsSpan(1), shape, t, ctx));                      // latent too short
        Assert.Throws<ArgumentException>(() => t2v.Forward(x, shape, t, ctx.AsSpan(1)));                      // context not × text_dim
        Assert.Throws<ArgumentException>(() => t2v.Forward(x, shape, t, new float[(t2v.Config.TextLen + 1) * t2v.Config.TextDim]));
        Assert.Throws<ArgumentException>(() => t2v.Forward(x, shape, t, ctx, new float[20 * x.Length / shape.Channels])); // y on t2v
        Assert.Throws<ArgumentException>(() => i2v.Forward(x, shape, t, i2vSrc.ReadFloat32("in.context")));   // i2v without y
        Assert.Throws<ArgumentException>(() => t2v.Forward(x, shape, t, ctx, seqLen: 3));                     // seq_len below tokens
        var odd = shape with { Height = shape.Height - 1 };
        Assert.Throws<ArgumentException>(() => t2v.Forward(new float[odd.Elements], odd, t, ctx));           // not divisible by patch

        // a LoRA module whose shape does not fit its Linear
        var lora = new LoraNetwork();
        lora.Add(new LoraModule("blocks.0.ffn.0", t2v.Config.FfnDim, t2v.Config.Dim, 2, 2));
        var e = Assert.Throws<ArgumentException>(() => t2v.Forward(x, shape, t, ctx, default, lora));
        Assert.Contains("blocks.0.ffn.0", e.Message);
        // a module with no gradient buffer
        var ok = new LoraNetwork();
        ok.Add(new LoraModule("blocks.0.ffn.2", t2v.Config.FfnDim, t2v.Config.Dim, 2, 2, up: Enumerable.Repeat(0.1f, t2v.Config.Dim * 2).ToArray()));
        var grads = new LoraGradients(new LoraNetwork());
        Assert.Throws<ArgumentException>(() => t2v.TrainStep(x, x, shape, 0.5f, 501f, ctx, ok, grads));
    }
}
