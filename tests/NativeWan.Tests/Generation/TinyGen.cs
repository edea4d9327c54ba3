using System.Diagnostics;
using NativeWan.Generation;
using NativeWan.IO.SafeTensors;
using NativeWan.Lora;
using NativeWan.Models.T5;
using NativeWan.Models.Vae;
using NativeWan.Models.Wan;
using NativeWan.Numerics;
using NativeWan.Text;

namespace NativeWan.Tests.Generation;

[CollectionDefinition("TinyGen")]
public sealed class TinyGenCollection : ICollectionFixture<TinyGen> { }

/// <summary>
/// Tiny random models written to a temp folder once per test run (real architectures, small sizes): T2V and I2V expert
/// pairs (different seeds per expert), a Wan 2.1-style VAE and a umT5 encoder with the golden tokenizer embedded.
/// The Generation tests share it in one collection, so the (not thread-safe) DiTs are never used concurrently.
/// </summary>
public sealed class TinyGen : IDisposable
{
    public const int TextLen = 16;
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "nw-gen-" + Guid.NewGuid().ToString("N")[..10]);
    public string T2VHighPath => Path.Combine(Dir, "t2v_high.safetensors");
    public string T2VLowPath => Path.Combine(Dir, "t2v_low.safetensors");
    public string I2VHighPath => Path.Combine(Dir, "i2v_high.safetensors");
    public string I2VLowPath => Path.Combine(Dir, "i2v_low.safetensors");
    public string VaePath => Path.Combine(Dir, "vae.safetensors");
    public string T5Path => Path.Combine(Dir, "t5.safetensors");

    public WanDit T2VHigh { get; }
    public WanDit T2VLow { get; }
    public WanDit I2VHigh { get; }
    public WanDit I2VLow { get; }
    public WanVae Vae { get; }
    public PromptEncoder Text { get; }

    public static WanConfig Config(WanModelType type) => new()
    {
        ModelType = type, Dim = 32, FfnDim = 64, InDim = type == WanModelType.I2V ? 36 : 16, OutDim = 16, NumLayers = 2, NumHeads = 2,
        TextDim = 32, FreqDim = 32, TextLen = TextLen, PatchSize = (1, 2, 2),
    };

    public TinyGen()
    {
        Directory.CreateDirectory(Dir);
        WanRandomInit.Create(Config(WanModelType.T2V), 11).Save(T2VHighPath);
        WanRandomInit.Create(Config(WanModelType.T2V), 12).Save(T2VLowPath);
        WanRandomInit.Create(Config(WanModelType.I2V), 13).Save(I2VHighPath);
        WanRandomInit.Create(Config(WanModelType.I2V), 14).Save(I2VLowPath);
        WanVaeRandomInit.Create(4, 16, [1, 2, 4, 4], 1, [false, true, true], 15).Save(VaePath);
        var spm = File.ReadAllBytes(Golden.Path("tokenizer", "spiece.model"));
        var tok = SentencePieceModel.Load(spm, "spiece.model");
        UmT5RandomInit.Create(new UmT5Config(tok.PieceCount, 32, 32, 64, 2, 2, 32), 16, spm).Save(T5Path);

        T2VHigh = LoadDit(T2VHighPath); T2VLow = LoadDit(T2VLowPath);
        I2VHigh = LoadDit(I2VHighPath); I2VLow = LoadDit(I2VLowPath);
        using (var v = SafeTensorsFile.Open(VaePath)) Vae = WanVae.Load(v);
        Text = PromptEncoder.Load(T5Path, null, TextLen);
    }

    static WanDit LoadDit(string path)
    {
        using var src = SafeTensorsFile.Open(path);
        return WanDit.Load(src);
    }

    public GenerationExperts T2V(LoraNetwork? highLora = null, LoraNetwork? lowLora = null) =>
        new(new DitVelocityModel(T2VHigh, highLora), new DitVelocityModel(T2VLow, lowLora));

    public GenerationExperts I2V() => new(new DitVelocityModel(I2VHigh), new DitVelocityModel(I2VLow));

    /// <summary>A small T2V request: 32×32, 5 frames, 3 steps, CFG on both experts, boundary low enough that both experts run.</summary>
    public static GenerationRequest SmallRequest(ulong seed = 7) => GenerationRequest.ForTask(WanTask.T2VA14B, "a red brick wall") with
    {
        Width = 32, Height = 32, Frames = 5, Steps = 3, Seed = seed,
    };

    /// <summary>A LoRA on every block Linear of <paramref name="dit"/> with random down and up (so it changes the output).</summary>
    public static LoraNetwork RandomLora(WanDit dit, int seed, int rank = 4, float upStd = 0.2f)
    {
        var lin = LoraApplication.Linears(dit.Weights);
        var net = LoraNetwork.Create(LoraTargets.FromLinears(dit.LoraTargets.Select(p => (p, lin[p].In, lin[p].Out))), rank, rank / 2f, seed);
        var rng = new Prng((ulong)seed + 1000);
        foreach (var m in net.Modules)
        {
            rng.FillGaussian(m.Up);
            for (int i = 0; i < m.Up.Length; i++) m.Up[i] *= upStd;
        }
        return net;
    }

    /// <summary>A random RGB picture.</summary>
    public static NativeWan.Data.RgbImage RandomImage(int width, int height, ulong seed)
    {
        var rng = new Prng(seed);
        var b = new byte[width * height * 3];
        for (int i = 0; i < b.Length; i++) b[i] = (byte)rng.NextInt(256);
        return new NativeWan.Data.RgbImage(width, height, b);
    }

    /// <summary>ffprobe's width, height and decoded frame count of the first video stream.</summary>
    public static (int Width, int Height, int Frames, string Codec) Probe(string path)
    {
        var psi = new ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "csv=p=0", path })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEnd().Trim();
        var e = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"ffprobe failed on {path}: {e}");
        var f = o.Split(',');
        return (int.Parse(f[1]), int.Parse(f[2]), int.Parse(f[3]), f[0]);
    }

    public static float MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        float m = 0;
        for (int i = 0; i < a.Length; i++) m = MathF.Max(m, MathF.Abs(a[i] - b[i]));
        return m;
    }

    public static float MaxAbs(float[] a) => a.Aggregate(0f, (m, v) => MathF.Max(m, MathF.Abs(v)));

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
