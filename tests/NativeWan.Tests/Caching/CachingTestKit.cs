using NativeWan.Config.Toml;
using NativeWan.Data;
using NativeWan.IO;
using NativeWan.Models.T5;
using NativeWan.Models.Vae;
using NativeWan.Tests.Data;
using NativeWan.Text;

namespace NativeWan.Tests.Caching;

/// <summary>
/// A temp folder with tiny random models (a Wan 2.1-layout VAE with the real stage layout: ×8 spatial, ×4 temporal;
/// a 2-layer umT5 with the golden spiece.model embedded), small media made with ffmpeg (images/img.png,
/// images/other.png, videos/clip.mp4 of 9 frames) with captions, and a dataset TOML (32×32, no bucketing, video
/// target_frames [5, 9] head → windows clip_00000-005 and clip_00000-009).
/// </summary>
internal sealed class CachingTestKit : IDisposable
{
    public TempDir Dir { get; } = new();
    public string VaePath { get; }
    public string T5Path { get; }
    public string T5NoTokenizerPath { get; }
    public string SpmPath { get; } = Golden.Path("tokenizer", "spiece.model");
    public string Images => Dir.File("images");
    public string Videos => Dir.File("videos");
    public string ConfigPath { get; }

    public CachingTestKit(ulong seed = 7)
    {
        VaePath = Dir.File("vae_tiny.safetensors");
        WanVaeRandomInit.Create(4, 16, [1, 2, 4, 4], 1, [false, true, true], seed).Save(VaePath);
        var spm = File.ReadAllBytes(SpmPath);
        var c = new UmT5Config(SentencePieceModel.LoadFile(SpmPath).PieceCount, 32, 32, 64, 2, 2, 32);
        T5Path = Dir.File("umt5_tiny.safetensors");
        UmT5RandomInit.Create(c, seed + 1, spm).Save(T5Path);
        T5NoTokenizerPath = Dir.File("umt5_tiny_bare.safetensors");
        UmT5RandomInit.Create(c, seed + 1).Save(T5NoTokenizerPath);

        Directory.CreateDirectory(Images);
        Directory.CreateDirectory(Videos);
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=16", "-frames:v", "1", Path.Combine(Images, "img.png"));
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "testsrc2=size=40x56:rate=16", "-frames:v", "1", Path.Combine(Images, "other.png"));
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=16", "-frames:v", "9", "-pix_fmt", "yuv420p", Path.Combine(Videos, "clip.mp4"));
        File.WriteAllText(Path.Combine(Images, "img.txt"), "a test pattern with colour bars");
        File.WriteAllText(Path.Combine(Images, "other.txt"), "a moving test pattern");
        File.WriteAllText(Path.Combine(Videos, "clip.txt"), "a test pattern with colour bars");

        ConfigPath = Dir.Write("dataset.toml", $"""
            [general]
            resolution = [32, 32]
            caption_extension = ".txt"

            [[datasets]]
            image_directory = '{Images}'

            [[datasets]]
            video_directory = '{Videos}'
            target_frames = [5, 9]
            frame_extraction = "head"
            """);
    }

    public DatasetScanResult Scan() => DatasetScanner.Scan(DatasetConfig.FromTable(Toml.ParseFile(ConfigPath)!, ConfigPath));

    public string VaeIdentity => NativeWan.Caching.CacheFiles.ModelIdentity(VaePath);
    public string T5Identity => NativeWan.Caching.CacheFiles.ModelIdentity(T5Path);

    public WanVae LoadVae()
    {
        using var src = TensorFiles.Open(VaePath);
        return WanVae.Load(src);
    }

    public (UmT5Tokenizer, UmT5Encoder) LoadT5(int textLength)
    {
        using var src = TensorFiles.Open(T5Path);
        return (new UmT5Tokenizer(SentencePieceModel.FromTensorSource(src), textLength), UmT5Encoder.Load(src));
    }

    public void Dispose() => Dir.Dispose();
}
