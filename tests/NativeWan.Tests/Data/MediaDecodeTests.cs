using NativeWan.Data;

namespace NativeWan.Tests.Data;

public class MediaDecodeTests
{
    [Fact]
    public void ProbeJpegReportsStillImageSize()
    {
        var info = MediaProbe.Probe(TestMedia.Photo("chelsea.jpg"));
        Assert.False(info.IsVideo);
        Assert.Equal(1, info.FrameCount);
        Assert.Equal(FrameCountSource.Still, info.FrameCountFrom);
        Assert.Equal((451, 300), (info.Width, info.Height)); // README: chelsea.jpg 451×300
        Assert.Equal("mjpeg", info.CodecName);
    }

    [Theory]
    [InlineData("astronaut_zoom.mp4", 256, 256)]
    [InlineData("rocket_pan.mp4", 320, 192)]
    public void ProbeAndDecodeClipsAgree(string name, int width, int height)
    {
        var path = TestMedia.Photo(name);
        var info = MediaProbe.Probe(path);
        Assert.True(info.IsVideo);
        Assert.Equal((width, height), (info.Width, info.Height)); // sizes from the dataset README
        Assert.Equal(FrameCountSource.Header, info.FrameCountFrom);
        Assert.Equal(new Rational(16, 1), info.FrameRate);
        Assert.Equal(16.0, info.Fps);
        Assert.Equal(info.FrameCount / info.Fps, info.DurationSeconds, 3);

        var exact = MediaProbe.Probe(path, exactFrameCount: true);
        Assert.Equal(FrameCountSource.Decoded, exact.FrameCountFrom);
        Assert.Equal(info.FrameCount, exact.FrameCount);
        Assert.Equal(33, exact.FrameCount); // README: 33 frames (4·8+1)

        var frames = VideoDecoder.DecodeFrames(path);
        Assert.Equal(exact.FrameCount, frames.Count);
        Assert.All(frames, f => Assert.Equal((width, height, width * height * 3), (f.Width, f.Height, f.Rgb.Length)));
        // a moving camera: consecutive frames differ, and the pictures are not blank
        Assert.NotEqual(frames[0].Rgb, frames[^1].Rgb);
        Assert.InRange(frames[0].Rgb.Average(b => (double)b), 10, 245);

        var head = VideoDecoder.DecodeFrames(path, maxFrames: 3);
        Assert.Equal(3, head.Count);
        for (int i = 0; i < 3; i++) Assert.Equal(frames[i].Rgb, head[i].Rgb);
    }

    [Fact]
    public void FpsFilterResamplesToTargetRate()
    {
        // 33 frames at 16 fps (2.0625 s) → 8 fps: ffmpeg's fps filter keeps every other frame, 17 in all
        var path = TestMedia.Photo("rocket_pan.mp4");
        var all = VideoDecoder.DecodeFrames(path);
        var half = VideoDecoder.DecodeFrames(path, targetFps: 8);
        Assert.Equal(17, half.Count);
        for (int i = 0; i < half.Count; i++) Assert.Equal(all[2 * i].Rgb, half[i].Rgb);
    }

    [Fact]
    public void JpegDecodeMatchesProbeSize()
    {
        foreach (var name in new[] { "chelsea.jpg", "grace_hopper.jpg", "camera.jpg" })
        {
            var path = TestMedia.Photo(name);
            var info = MediaProbe.Probe(path);
            var img = ImageDecoder.Decode(path);
            Assert.Equal((info.Width, info.Height), (img.Width, img.Height));
            Assert.Equal(img.Width * img.Height * 3, img.Rgb.Length);
            Assert.InRange(img.Rgb.Average(b => (double)b), 10, 245);
        }
        // camera.jpg is grayscale stored as YCbCr with neutral chroma: R, G, B agree to within JPEG/rounding noise
        var cam = ImageDecoder.Decode(TestMedia.Photo("camera.jpg"));
        int maxSpread = 0;
        for (int i = 0; i < cam.Rgb.Length; i += 3)
            maxSpread = Math.Max(maxSpread, Math.Max(Math.Abs(cam.Rgb[i] - cam.Rgb[i + 1]), Math.Abs(cam.Rgb[i + 1] - cam.Rgb[i + 2])));
        Assert.InRange(maxSpread, 0, 3);
    }

    [Theory]
    [InlineData("p.png", "-c:v", "png")]
    [InlineData("p.bmp", "-c:v", "bmp")]
    [InlineData("p.webp", "-c:v", "libwebp", "-lossless", "1")]
    public void LosslessImagesDecodeBitExact(string name, params string[] codec)
    {
        using var tmp = new TempDir();
        var src = TestMedia.Pattern(13, 7);
        var path = tmp.File(name);
        TestMedia.Encode([src], path, 1, [.. codec, "-frames:v", "1"]);
        var img = ImageDecoder.Decode(path);
        Assert.Equal((13, 7), (img.Width, img.Height));
        Assert.Equal(src.Rgb, img.Rgb);
    }

    [Fact]
    public void LosslessVideoDecodesEveryFrameInOrder()
    {
        using var tmp = new TempDir();
        var src = Enumerable.Range(0, 9).Select(f => TestMedia.Pattern(10, 6, f)).ToList();
        var path = tmp.File("clip.mkv");
        TestMedia.Encode(src, path, 16, "-c:v", "png");
        var info = MediaProbe.Probe(path); // mkv has no nb_frames: packets are counted
        Assert.Equal(FrameCountSource.Packets, info.FrameCountFrom);
        Assert.Equal(9, info.FrameCount);
        var frames = VideoDecoder.DecodeFrames(path);
        Assert.Equal(9, frames.Count);
        for (int i = 0; i < 9; i++) Assert.Equal(src[i].Rgb, frames[i].Rgb);

        var kept = new List<int>();
        int n = VideoDecoder.ForEachFrame(path, (i, f) => { if (i % 3 == 0) kept.Add(i); return i < 6; });
        Assert.Equal(7, n); // stopped after frame 6
        Assert.Equal([0, 3, 6], kept);
    }

    [Fact]
    public void RotatedClipReportsDisplaySize()
    {
        // rocket_pan.mp4 (320x192) remuxed with a 90° display matrix: ffmpeg autorotates, so probe and frames are 192x320
        using var tmp = new TempDir();
        var rotated = tmp.File("rot.mp4");
        TestMedia.Ffmpeg("-i", TestMedia.Photo("rocket_pan.mp4"), "-c", "copy", "-metadata:s:v:0", "rotate=90", rotated);
        var info = MediaProbe.Probe(rotated);
        Assert.Equal((192, 320, 90), (info.Width, info.Height, Math.Abs(info.Rotation)));
        var f = VideoDecoder.DecodeFrames(rotated, maxFrames: 1)[0];
        Assert.Equal((192, 320), (f.Width, f.Height));
    }

    [Fact]
    public void GifIsAVideo()
    {
        using var tmp = new TempDir();
        var gif = tmp.File("anim.gif");
        TestMedia.Encode(Enumerable.Range(0, 5).Select(i => TestMedia.Pattern(12, 8, i)).ToList(), gif, 10, "-c:v", "gif");
        var info = MediaProbe.Probe(gif);
        Assert.True(info.IsVideo);
        Assert.Equal((12, 8, 5L), (info.Width, info.Height, info.FrameCount));
        Assert.Equal(5, VideoDecoder.DecodeFrames(gif).Count);
    }

    [Fact]
    public void GarbageJpegIsAMediaExceptionNamingTheFile()
    {
        using var tmp = new TempDir();
        var bad = tmp.WriteGarbage("broken.jpg");
        var ex = Assert.Throws<MediaException>(() => MediaProbe.Probe(bad));
        Assert.Contains("broken.jpg", ex.Message);
        Assert.Equal(bad, ex.FilePath);
        var ex2 = Assert.Throws<MediaException>(() => ImageDecoder.Decode(bad));
        Assert.Contains("broken.jpg", ex2.Message);
        Assert.Contains("stderr", ex2.Message); // ffmpeg's reason is quoted
    }

    [Fact]
    public void GarbageMp4IsAMediaExceptionQuotingFfprobe()
    {
        using var tmp = new TempDir();
        var bad = tmp.WriteGarbage("broken.mp4");
        var ex = Assert.Throws<MediaException>(() => MediaProbe.Probe(bad));
        Assert.Contains("broken.mp4", ex.Message);
        Assert.Contains("Invalid data", ex.Message); // ffprobe: "Invalid data found when processing input"
        Assert.Throws<MediaException>(() => VideoDecoder.DecodeFrames(bad));
    }

    [Fact]
    public void MissingFileTimeoutAndCancellation()
    {
        var missing = Path.Combine(Path.GetTempPath(), "nativewan-no-such-file.jpg");
        Assert.Contains("file not found", Assert.Throws<MediaException>(() => ImageDecoder.Decode(missing)).Message);
        var clip = TestMedia.Photo("rocket_pan.mp4");
        var ex = Assert.Throws<MediaException>(() => VideoDecoder.DecodeFrames(clip, timeout: TimeSpan.FromMilliseconds(1)));
        Assert.Contains("timed out", ex.Message);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => VideoDecoder.DecodeFrames(clip, ct: cts.Token));
    }
}
