using System.Text.Json;
using NativeWan.IO;
using NativeWan.Models.Vae;
using Xunit.Abstractions;

namespace NativeWan.Tests.Models.Vae;

/// <summary>Wan 2.1 VAE against golden <c>vae.safetensors</c> (official chunked causal code, float32).</summary>
public class WanVaeGoldenTests(ITestOutputHelper output)
{
    [Fact]
    public void ConfigFromWeightsMatchesMetadata()
    {
        using var f = TensorFiles.Open(VaeTestData.FilePath);
        var cfg = WanVaeConfig.FromWeights(f);
        using var doc = JsonDocument.Parse(f.Metadata["config"]);
        var j = doc.RootElement;
        Assert.Equal(j.GetProperty("dim").GetInt32(), cfg.BaseDim);
        Assert.Equal(j.GetProperty("z_dim").GetInt32(), cfg.ZDim);
        Assert.Equal(j.GetProperty("num_res_blocks").GetInt32(), cfg.NumResBlocks);
        Assert.Equal(j.GetProperty("dim_mult").EnumerateArray().Select(e => e.GetInt32()), cfg.DimMult);
        Assert.Equal(j.GetProperty("temperal_downsample").EnumerateArray().Select(e => e.GetBoolean()), cfg.TemporalDownsample);
        output.WriteLine(cfg.ToString());
    }

    [Fact]
    public void NormalizationConstantsMatchWrapper()
    {
        using var f = TensorFiles.Open(VaeTestData.FilePath);
        var vae = VaeTestData.Vae;
        Assert.Equal(f.ReadFloat32("const.mean"), WanVae.Wan21LatentMean);
        Assert.Equal(f.ReadFloat32("const.std"), WanVae.Wan21LatentStd);
        Assert.Equal(f.ReadFloat32("const.inv_std"), vae.LatentInvStd); // bit-exact float32(1/std)
    }

    [Fact]
    public void OfficialPthWeightsEncodeExactlyLikeTheSafetensors()
    {
        using var f = TensorFiles.Open(VaeTestData.FilePath);
        using var pth = TensorFiles.Open(Golden.Path("pth", "vae_f32.pth"));
        var video = VaeTestData.Read(f, "in.video");
        var a = VaeTestData.Vae.Encode(video);
        var b = WanVae.Load(pth).Encode(video);
        Assert.Equal(a.Data, b.Data);
    }

    [Theory]
    [InlineData("")]
    [InlineData("_long")]
    public void EncodeMatchesGolden(string suffix)
    {
        using var f = TensorFiles.Open(VaeTestData.FilePath);
        var video = VaeTestData.Read(f, "in.video" + suffix);
        var trace = new VaeTrace();
        var latent = VaeTestData.Vae.Encode(video, true, new VaeWorkspace(), trace);
        var enc = trace.Tensors["encoder_out"];
        var moments = trace.Tensors["moments"];
        int z = VaeTestData.Vae.Config.ZDim;
        double e1 = VaeTestData.AssertClose(enc, VaeTestData.Read(f, "dbg.encoder_out" + suffix), "dbg.encoder_out" + suffix);
        double e2 = VaeTestData.AssertClose(VaeTestData.Channels(moments, 0, z), VaeTestData.Read(f, "out.mu" + suffix), "out.mu" + suffix);
        double e3 = VaeTestData.AssertClose(VaeTestData.Channels(moments, z, z), VaeTestData.Read(f, "out.log_var" + suffix), "out.log_var" + suffix);
        double e4 = VaeTestData.AssertClose(latent, VaeTestData.Read(f, "out.latent" + suffix), "out.latent" + suffix);
        var raw = VaeTestData.Vae.Encode(video, normalize: false);
        double e5 = VaeTestData.AssertClose(raw, VaeTestData.Read(f, "out.mu" + suffix), "Encode(normalize: false)" + suffix);
        output.WriteLine($"video {video.ShapeText}: encoder_out {e1:g3}, mu {e2:g3}, log_var {e3:g3}, latent {e4:g3}, raw mu {e5:g3}");
    }

    [Theory]
    [InlineData("")]
    [InlineData("_long")]
    public void DecodeMatchesGolden(string suffix)
    {
        using var f = TensorFiles.Open(VaeTestData.FilePath);
        var latent = VaeTestData.Read(f, "out.latent" + suffix);
        var trace = new VaeTrace();
        var raw = VaeTestData.Vae.Decode(latent, false, true, new VaeWorkspace(), trace);
        double e1 = VaeTestData.AssertClose(trace.Tensors["conv2_out"], VaeTestData.Read(f, "dbg.conv2_out" + suffix), "dbg.conv2_out" + suffix);
        double e2 = VaeTestData.AssertClose(raw, VaeTestData.Read(f, "out.decoded_raw" + suffix), "out.decoded_raw" + suffix);
        var clamped = VaeTestData.Vae.Decode(latent);
        double e3 = VaeTestData.AssertClose(clamped, VaeTestData.Read(f, "out.decoded" + suffix), "out.decoded" + suffix);
        Assert.All(clamped.Data, v => Assert.InRange(v, -1f, 1f));
        Assert.Contains(raw.Data, v => Math.Abs(v) > 1f); // the golden clip has clamped values: clamping is exercised
        output.WriteLine($"latent {latent.ShapeText} → {raw.ShapeText}: conv2_out {e1:g3}, decoded_raw {e2:g3}, decoded {e3:g3}");
    }

    /// <summary>The portable path (shared dot-product Gemm instead of the SIMD micro-kernel) gives the same numbers.</summary>
    [Fact]
    public void GemmFallbackMatchesGolden()
    {
        using var f = TensorFiles.Open(VaeTestData.FilePath);
        VaeConv.ForceGemm = true; // thread-static: affects this test only
        try
        {
            var latent = VaeTestData.Vae.Encode(VaeTestData.Read(f, "in.video_long"));
            double e1 = VaeTestData.AssertClose(latent, VaeTestData.Read(f, "out.latent_long"), "out.latent_long (Gemm path)");
            var raw = VaeTestData.Vae.Decode(VaeTestData.Read(f, "out.latent_long"), clamp: false);
            double e2 = VaeTestData.AssertClose(raw, VaeTestData.Read(f, "out.decoded_raw_long"), "out.decoded_raw_long (Gemm path)");
            output.WriteLine($"Gemm path: latent_long {e1:g3}, decoded_raw_long {e2:g3}");
        }
        finally { VaeConv.ForceGemm = false; }
    }

    [Fact]
    public void PrefixedCheckpointNamesLoad()
    {
        using var f = TensorFiles.Open(VaeTestData.FilePath);
        using var prefixed = new PrefixedSource(f, "first_stage_model.");
        var vae = WanVae.Load(prefixed);
        var video = VaeTestData.Read(f, "in.video");
        Assert.Equal(VaeTestData.Vae.Encode(video).Data, vae.Encode(video).Data);
    }

    [Fact]
    public void MissingTensorNamesFileAndTensor()
    {
        using var f = TensorFiles.Open(VaeTestData.FilePath);
        using var broken = new PrefixedSource(f, "", drop: "decoder.upsamples.3.resample.1.bias");
        var ex = Assert.Throws<ModelFileException>(() => WanVae.Load(broken));
        Assert.Contains("decoder.upsamples.3.resample.1.bias", ex.Message);
    }

    [Fact]
    public void BadInputShapesThrowArgumentException()
    {
        var vae = VaeTestData.Vae;
        int sf = vae.Config.SpatialFactor, tf = vae.Config.TemporalFactor;
        var ex = Assert.Throws<ArgumentException>(() => vae.Encode(VaeTensor.Zeros(3, 1 + tf + 1, sf, sf)));
        Assert.Contains("frame count", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => vae.Encode(VaeTensor.Zeros(3, 1, sf + 2, sf)));
        Assert.Contains("divisible", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => vae.Encode(VaeTensor.Zeros(3, 1, sf, 3 * sf / 2)));
        Assert.Contains("divisible", ex.Message);
        Assert.Throws<ArgumentException>(() => vae.Encode(VaeTensor.Zeros(4, 1, sf, sf)));
        Assert.Throws<ArgumentException>(() => vae.Decode(VaeTensor.Zeros(vae.Config.ZDim + 1, 1, 1, 1)));
    }

    /// <summary>Renames every tensor with a prefix (and optionally hides one), as container checkpoints do.</summary>
    sealed class PrefixedSource : ITensorSource
    {
        readonly ITensorSource _inner;
        readonly Dictionary<string, TensorInfo> _map = new();
        readonly Dictionary<string, TensorInfo> _orig = new();
        readonly List<TensorInfo> _list = new();

        public PrefixedSource(ITensorSource inner, string prefix, string? drop = null)
        {
            _inner = inner;
            foreach (var t in inner.Tensors)
            {
                if (t.Name == drop) continue;
                var n = t with { Name = prefix + t.Name };
                _map[n.Name] = n; _orig[n.Name] = t; _list.Add(n);
            }
        }

        public string SourcePath => _inner.SourcePath;
        public IReadOnlyList<TensorInfo> Tensors => _list;
        public IReadOnlyDictionary<string, string> Metadata => _inner.Metadata;
        public bool TryGet(string name, out TensorInfo info) => _map.TryGetValue(name, out info!);
        public void ReadBytes(TensorInfo tensor, Span<byte> destination) => _inner.ReadBytes(_orig[tensor.Name], destination);
        public void ReadBytes(TensorInfo tensor, long start, Span<byte> destination) => _inner.ReadBytes(_orig[tensor.Name], start, destination);
        public void Dispose() { }
    }
}
