using NativeWan.Data;

namespace NativeWan.Tests.Data;

public class ImageResizeTests
{
    static RgbImage Gray(int w, int h, Func<int, int, byte> v)
    {
        var img = new RgbImage(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int o = img.Offset(x, y);
                img.Rgb[o] = img.Rgb[o + 1] = img.Rgb[o + 2] = v(x, y);
            }
        return img;
    }

    static byte[] Row(RgbImage img, int y = 0) => Enumerable.Range(0, img.Width).Select(x => img.Rgb[img.Offset(x, y)]).ToArray();

    [Fact]
    public void AreaHalvingIsTheTwoByTwoMean()
    {
        // 4x2 → 2x1: (10+20+30+40)/4 = 25, (50+60+70+81)/4 = 65.25 → 65
        var vals = new byte[,] { { 10, 20, 50, 60 }, { 30, 40, 70, 81 } };
        var img = Gray(4, 2, (x, y) => vals[y, x]);
        var r = ImageResize.Resize(img, 2, 1, ResizeFilter.Area);
        Assert.Equal([25, 65], Row(r));
    }

    [Fact]
    public void AreaFractionalWeightsCoveredParts()
    {
        // 3 → 2: each output covers 1.5 source pixels: (0 + ½·90)/1.5 = 30, (½·90 + 180)/1.5 = 150
        var img = Gray(3, 1, (x, _) => (byte)(x * 90));
        Assert.Equal([30, 150], Row(ImageResize.Resize(img, 2, 1, ResizeFilter.Area)));
    }

    [Fact]
    public void LanczosUpscaleMatchesHandComputedWeights()
    {
        // PIL LANCZOS 2 → 4 px: centres 0.25, 0.75, 1.25, 1.75; taps L(0.25) = 0.890067, L(1.25) = −0.132871 →
        // out0 = 100 + 100·(−0.175478) = 82.45; L(0.75) = 0.270190 → out1 = 100 + 100·0.232867 = 123.29; symmetric for 2, 3
        var img = Gray(2, 1, (x, _) => (byte)(100 + 100 * x));
        Assert.Equal([82, 123, 177, 218], Row(ImageResize.Resize(img, 4, 1, ResizeFilter.Lanczos3)));
    }

    [Fact]
    public void ConstantPicturesStayConstant()
    {
        var img = Gray(37, 23, (_, _) => 77);
        foreach (var f in new[] { ResizeFilter.Area, ResizeFilter.Bilinear, ResizeFilter.Lanczos3 })
        {
            Assert.All(ImageResize.Resize(img, 16, 48, f).Rgb, b => Assert.Equal(77, b));
            Assert.All(ImageResize.Resize(img, 80, 11, f).Rgb, b => Assert.Equal(77, b));
        }
    }

    [Fact]
    public void CoverGeometryFollowsMusubi()
    {
        // chelsea 451x300 into 624x416: scale = max(1.38359, 1.38667) → 625x416, crop left (625−624) div 2 = 0
        Assert.Equal((625, 416, 0, 0), ImageResize.CoverGeometry(451, 300, new Resolution(624, 416)));
        // coffee 512x342: scale = max(1.21875, 1.21637) → 624x417, top 0
        Assert.Equal((624, 417, 0, 0), ImageResize.CoverGeometry(512, 342, new Resolution(624, 416)));
        // 1000x500 into 512x512: scale 1.024 → 1024x512, left 256
        Assert.Equal((1024, 512, 256, 0), ImageResize.CoverGeometry(1000, 500, new Resolution(512, 512)));
        // 300x700 into 256x512: scale = max(0.8533, 0.7314) → 256x597, top (597−512) div 2 = 42
        Assert.Equal((256, 597, 0, 42), ImageResize.CoverGeometry(300, 700, new Resolution(256, 512)));
    }

    [Fact]
    public void ResizeToBucketCropsTheCentre()
    {
        // 64x32, columns 0–15 red, 16–47 green, 48–63 blue, into a 32x32 bucket: scale 1 (no resize), crop x 16..47 → all green
        var img = new RgbImage(64, 32);
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 64; x++)
                img.Rgb[img.Offset(x, y) + (x < 16 ? 0 : x < 48 ? 1 : 2)] = 255;
        var r = ImageResize.ResizeToBucket(img, new Resolution(32, 32));
        Assert.Equal((32, 32), (r.Width, r.Height));
        for (int i = 0; i < r.Rgb.Length; i += 3) Assert.Equal((0, 255, 0), (r.Rgb[i], r.Rgb[i + 1], r.Rgb[i + 2]));

        // a window of a resize equals the crop of the full resize
        var pat = TestMedia.Pattern(45, 31);
        var full = ImageResize.Resize(pat, 60, 41, ResizeFilter.Lanczos3);
        var win = ImageResize.ResizeRegion(pat, 60, 41, 7, 5, 32, 16, ResizeFilter.Lanczos3);
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 32; x++)
                for (int c = 0; c < 3; c++)
                    Assert.Equal(full.Rgb[full.Offset(x + 7, y + 5) + c], win.Rgb[win.Offset(x, y) + c]);
        Assert.Same(pat, ImageResize.ResizeToBucket(pat, new Resolution(45, 31)));
    }

    [Fact]
    public void RealPhotoResizesToItsBucket()
    {
        var img = ImageDecoder.Decode(TestMedia.Photo("chelsea.jpg"));
        var bucket = new BucketSelector(new Resolution(256, 256)).Select(img.Width, img.Height);
        var r = ImageResize.ResizeToBucket(img, bucket);
        Assert.Equal((bucket.Width, bucket.Height), (r.Width, r.Height));
        // a downscale by area keeps the mean brightness (crop removes < 1 % of the width here)
        Assert.InRange(r.Rgb.Average(b => (double)b) - img.Rgb.Average(b => (double)b), -2.0, 2.0);
    }

    [Fact]
    public void TensorLayoutIsCfhwInMinusOneToOne()
    {
        var frames = new[] { TestMedia.Pattern(5, 3, 0), TestMedia.Pattern(5, 3, 1) };
        var t = MediaTensor.ToCfhw(frames);
        Assert.Equal(3 * 2 * 3 * 5, t.Length);
        for (int c = 0; c < 3; c++)
            for (int f = 0; f < 2; f++)
                for (int y = 0; y < 3; y++)
                    for (int x = 0; x < 5; x++)
                        Assert.Equal(frames[f].Rgb[frames[f].Offset(x, y) + c] / 127.5f - 1f, t[((c * 2 + f) * 3 + y) * 5 + x]);
        var chw = MediaTensor.ToChw(frames[1]);
        Assert.Equal(frames[1].Rgb[frames[1].Offset(4, 2) + 2] / 127.5f - 1f, chw[(2 * 3 + 2) * 5 + 4]);
        var bw = new RgbImage(1, 1, [0, 255, 128]);
        Assert.Equal([-1f, 1f, 128 / 127.5f - 1f], MediaTensor.ToChw(bw));
        Assert.Throws<ArgumentException>(() => MediaTensor.ToCfhw([frames[0], TestMedia.Pattern(4, 3)]));
    }
}
