using System.Text;
using NativeWan.Generation;

namespace NativeWan.Tests.Generation;

/// <summary>ffmpeg output: formats by name, sizes, frame counts, odd sizes, atomic naming.</summary>
public class VideoWriterTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "nw-vw-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    static VideoFrames Frames(int w, int h, int n)
    {
        var rgb = new byte[w * h * 3 * n];
        for (int f = 0; f < n; f++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int o = ((f * h + y) * w + x) * 3;
                    rgb[o] = (byte)(x * 255 / w); rgb[o + 1] = (byte)(y * 255 / h); rgb[o + 2] = (byte)(f * 40);
                }
        return new VideoFrames(w, h, n, rgb);
    }

    [Fact]
    public void FormatFollowsTheName()
    {
        Assert.Equal(VideoFormat.Mp4, VideoWriter.FormatOf("a/b.MP4"));
        Assert.Equal(VideoFormat.WebP, VideoWriter.FormatOf("b.webp"));
        Assert.Equal(VideoFormat.PngSequence, VideoWriter.FormatOf("b_%05d.png"));
        Assert.Equal(VideoFormat.PngSequence, VideoWriter.FormatOf("frames/"));
        Assert.Equal(VideoFormat.PngSequence, VideoWriter.FormatOf("frames"));
        Assert.Throws<ArgumentException>(() => VideoWriter.FormatOf("b.avi"));
        Assert.Equal("clip_%05d.png", VideoWriter.PngTarget("x/clip.png").Pattern);
        Assert.Equal("c_%03d.png", VideoWriter.PngTarget("x/c_%03d.png").Pattern);
        Assert.Equal("frame_%05d.png", VideoWriter.PngTarget("x/folder").Pattern);
        Assert.Throws<ArgumentException>(() => VideoWriter.PngTarget("x/c_%d_%d.png"));
    }

    [Fact]
    public void OddSizedMp4IsPaddedToEven()
    {
        var f = VideoWriter.Write(Frames(33, 21, 3), Path.Combine(_dir, "odd.mp4"));
        Assert.Equal((34, 22, 3, "h264"), TinyGen.Probe(f[0]));
        Assert.Empty(Directory.GetFiles(_dir, "*tmp*"));
    }

    [Fact]
    public void PngSequenceHasOneFilePerFrame()
    {
        var src = Frames(16, 8, 4);
        var files = VideoWriter.Write(src, Path.Combine(_dir, "seq") + "/");
        Assert.Equal(4, files.Count);
        Assert.Equal(Enumerable.Range(0, 4).Select(i => $"frame_{i:D5}.png"), files.Select(Path.GetFileName));
        var img = NativeWan.Data.ImageDecoder.Decode(files[2]);
        Assert.Equal(src.Frame(2).ToArray(), img.Rgb);   // lossless round trip
        Assert.Empty(Directory.GetDirectories(Path.Combine(_dir, "seq")));
    }

    [Fact]
    public void AnimatedWebPHasAllFrames()
    {
        var path = VideoWriter.Write(Frames(16, 16, 5), Path.Combine(_dir, "a.webp"))[0];
        var bytes = File.ReadAllBytes(path);
        Assert.Equal("RIFF", Encoding.ASCII.GetString(bytes, 0, 4));
        Assert.Equal("WEBP", Encoding.ASCII.GetString(bytes, 8, 4));
        int frames = 0;
        for (int i = 12; i + 8 <= bytes.Length;)
        {
            string id = Encoding.ASCII.GetString(bytes, i, 4);
            int size = BitConverter.ToInt32(bytes, i + 4);
            if (id == "ANMF") frames++;
            i += 8 + size + (size & 1);
        }
        Assert.Equal(5, frames);
        var lossy = VideoWriter.Write(Frames(16, 16, 5), Path.Combine(_dir, "b.webp"), new VideoWriteOptions { WebPQuality = 50 })[0];
        Assert.NotEqual(bytes, File.ReadAllBytes(lossy));
    }

    [Fact]
    public void FfmpegFailureIsReportedAndLeavesNoFile()
    {
        var path = Path.Combine(_dir, "bad.mp4");
        var e = Assert.Throws<NativeWan.Data.MediaException>(() =>
            VideoWriter.Write(Frames(16, 16, 2), path, new VideoWriteOptions { Preset = "no-such-preset" }));
        Assert.Contains("ffmpeg failed", e.Message);
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void BytesFollowTheOfficialTruncation()
    {
        var v = new NativeWan.Models.Vae.VaeTensor([-2f, -1f, 0f, 0.999f, 1f, float.NaN], 3, 1, 1, 2);
        var f = VideoFrames.FromVideo(v);
        // (x+1)/2·255 truncated: −1 → 0, 0 → 127, 0.999 → 254, 1 → 255; planes R=[-2,-1], G=[0,0.999], B=[1,NaN].
        Assert.Equal(new byte[] { 0, 127, 255, 0, 254, 0 }, f.Rgb);
    }
}
