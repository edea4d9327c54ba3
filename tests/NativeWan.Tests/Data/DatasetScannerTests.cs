using NativeWan.Data;

namespace NativeWan.Tests.Data;

public class DatasetScannerTests
{
    static Dictionary<string, object?> T(params (string K, object? V)[] kv) => kv.ToDictionary(p => p.K, p => p.V);

    [Fact]
    public void ScansRealPhotosSkipsCorruptAndWarnsOnMissingCaptions()
    {
        using var tmp = new TempDir();
        tmp.CopyPhoto("chelsea.jpg");
        tmp.CopyPhoto("chelsea.txt");
        tmp.CopyPhoto("grace_hopper.jpg");            // no caption file
        tmp.CopyPhoto("rocket_pan.mp4");
        tmp.CopyPhoto("rocket_pan.txt");
        tmp.WriteGarbage("broken.jpg");
        tmp.Write("broken.txt", "a broken picture");
        tmp.WriteGarbage("broken_clip.mp4", seed: 2);
        tmp.Write("notes.md", "not media");

        var root = T(
            ("general", T(("resolution", new object?[] { 512L, 512L }), ("enable_bucket", true), ("caption_extension", ".txt"), ("batch_size", 2L))),
            ("datasets", new object?[]
            {
                T(("image_directory", tmp.Path), ("num_repeats", 3L)),
                T(("video_directory", tmp.Path), ("target_frames", new object?[] { 1L, 17L, 33L, 45L })),
            }));
        var cfg = DatasetConfig.FromTable(root, "scan.toml");
        var result = DatasetScanner.Scan(cfg);

        var images = result.Items.Where(i => i.Kind == DatasetKind.Image).ToList();
        Assert.Equal(["chelsea.jpg", "grace_hopper.jpg"], images.Select(i => Path.GetFileName(i.MediaPath)));
        Assert.Equal(File.ReadAllText(TestMedia.Photo("chelsea.txt")).Trim(), images[0].Caption);
        Assert.Equal("", images[1].Caption);
        Assert.Equal(new Resolution(624, 416), images[0].Bucket);   // 451x300 at 512x512 (see BucketSelectorTests)
        Assert.Equal(new Resolution(464, 560), images[1].Bucket);   // 436x512
        Assert.Equal(new Resolution(451, 300), images[0].OriginalSize);
        Assert.All(images, i => Assert.Equal(3, i.Repeats));

        // rocket_pan: 33 frames, head with targets 1, 17, 33 (45 is longer than the clip) → three windows, bucket 640x400
        var clips = result.Items.Where(i => i.Kind == DatasetKind.Video).ToList();
        Assert.Equal([(0, 1), (0, 17), (0, 33)], clips.Select(c => (c.Window.Start, c.Window.Count)));
        Assert.All(clips, c => Assert.Equal(new Resolution(640, 400), c.Bucket));
        Assert.Equal(Enumerable.Range(0, 17), clips[1].SourceFrameIndices);
        Assert.Equal("rocket_pan_00000-017", clips[1].ItemKey);
        Assert.StartsWith("A video of", clips[0].Caption);

        Assert.Contains(result.Warnings, w => w.Contains("broken.jpg") && w.Contains("skipped"));
        Assert.Contains(result.Warnings, w => w.Contains("broken_clip.mp4") && w.Contains("skipped") && w.Contains("Invalid data"));
        Assert.Contains(result.Warnings, w => w.Contains("grace_hopper.jpg") && w.Contains("grace_hopper.txt not found"));
        Assert.DoesNotContain(result.Warnings, w => w.Contains("notes.md"));

        var plan = result.Plan;
        var pi = plan.Datasets[0];
        Assert.Equal((3, 2, 1), (pi.MediaFiles, pi.UsableFiles, pi.SkippedFiles));
        Assert.Equal([new BucketPlan(new BucketKey(464, 560, 1), 1, 3, 2), new BucketPlan(new BucketKey(624, 416, 1), 1, 3, 2)], pi.Buckets);
        var pv = plan.Datasets[1];
        Assert.Equal((2, 1, 1), (pv.MediaFiles, pv.UsableFiles, pv.SkippedFiles));
        Assert.Equal([1, 17, 33], pv.Buckets.Select(b => b.Key.Frames));
        Assert.All(pv.Buckets, b => Assert.Equal((1, 1, 1), (b.Items, b.Samples, b.Batches)));
        Assert.Equal((5, 9, 7), (plan.TotalItems, plan.TotalSamples, plan.TotalBatches));
        var text = plan.Format();
        Assert.Contains("624x416", text);
        Assert.Contains("batches/epoch 7", text);
    }

    [Fact]
    public void SourceFpsAndFullModeSelectEveryOtherFrame()
    {
        using var tmp = new TempDir();
        tmp.CopyPhoto("rocket_pan.mp4");
        tmp.CopyPhoto("rocket_pan.txt");
        var root = T(("datasets", new object?[]
        {
            T(("video_directory", tmp.Path), ("frame_extraction", "full"), ("source_fps", 32.0), ("resolution", 256L), ("enable_bucket", true), ("caption_extension", ".txt")),
        }));
        var result = DatasetScanner.Scan(DatasetConfig.FromTable(root, "fps.toml"));
        // 33 frames "at 32 fps" → 16 fps keeps 0, 2, …, 32 (17 frames); full, max 129 → 17 = 4·4+1
        var item = Assert.Single(result.Items);
        Assert.Equal(new FrameWindow(0, 17), item.Window);
        Assert.Equal(Enumerable.Range(0, 17).Select(i => 2 * i), item.SourceFrameIndices);
        // 320x192 (1.667) among the 256x256 buckets (A = 65536, widths 128..256): 336x192 = 1.75 (0.083) beats 304x208 = 1.46
        var bucket = new Resolution(336, 192);
        Assert.Equal(bucket, item.Bucket);

        // loading: the kept frames, resized, in [3, F, H, W]
        var input = DatasetItemLoader.Load(item);
        Assert.Equal((17, bucket.Height, bucket.Width), (input.Frames, input.Height, input.Width));
        var all = VideoDecoder.DecodeFrames(item.MediaPath);
        int hw = bucket.Width * bucket.Height;
        foreach (var f in new[] { 0, 5, 16 })
        {
            var expected = ImageResize.ResizeToBucket(all[2 * f], bucket);
            for (int c = 0; c < 3; c++)
                for (int p = 0; p < hw; p += 97)
                    Assert.Equal(expected.Rgb[p * 3 + c] / 127.5f - 1f, input.Data[(c * 17 + f) * hw + p]);
        }
        Assert.All(input.Data, v => Assert.InRange(v, -1f, 1f));
    }

    [Fact]
    public void ImageItemLoadsAtBucketSize()
    {
        using var tmp = new TempDir();
        tmp.CopyPhoto("clock_motion.jpg");
        var cfg = DatasetConfig.FromDirectory(tmp.Path, new Resolution(256, 256));
        var result = DatasetScanner.Scan(cfg);
        var item = Assert.Single(result.Items);
        Assert.Contains(result.Warnings, w => w.Contains("clock_motion.txt not found"));
        var input = DatasetItemLoader.Load(item);
        Assert.Equal((1, item.Bucket.Height, item.Bucket.Width, 3 * item.Bucket.Width * item.Bucket.Height),
            (input.Frames, input.Height, input.Width, input.Data.Length));
    }

    [Fact]
    public void JsonlListsResolveNextToTheFile()
    {
        using var tmp = new TempDir();
        tmp.CopyPhoto("brick.jpg");
        tmp.Write("meta.jsonl", "{\"image_path\": \"brick.jpg\", \"caption\": \"  bricks \"}\n\n{\"image_path\": \"gone.jpg\", \"caption\": \"x\"}\n");
        var cfg = DatasetConfig.FromTable(T(("datasets", new object?[] { T(("image_jsonl_file", tmp.File("meta.jsonl"))) })), "j.toml");
        var result = DatasetScanner.Scan(cfg, new DatasetScanOptions { VerifyDecode = true, MaxParallelism = 1 });
        var item = Assert.Single(result.Items);
        Assert.Equal("bricks", item.Caption);
        Assert.Equal(new Resolution(960, 544), item.Bucket); // enable_bucket defaults to false: fixed resolution
        Assert.Contains(result.Warnings, w => w.Contains("gone.jpg") && w.Contains("file not found"));

        tmp.Write("bad.jsonl", "{\"image_path\": \"brick.jpg\"\n");
        var bad = DatasetConfig.FromTable(T(("datasets", new object?[] { T(("image_jsonl_file", tmp.File("bad.jsonl"))) })), "j.toml");
        Assert.Contains("bad.jsonl:1", Assert.Throws<DatasetException>(() => DatasetScanner.Scan(bad)).Message);
    }

    [Fact]
    public void EmptyDatasetIsAClearError()
    {
        using var tmp = new TempDir();
        tmp.WriteGarbage("only.jpg");
        var cfg = DatasetConfig.FromDirectory(tmp.Path, new Resolution(512, 512));
        var ex = Assert.Throws<DatasetException>(() => DatasetScanner.Scan(cfg));
        Assert.Contains("dataset is empty", ex.Message);
        Assert.Contains("datasets[0]", ex.Message);
        Assert.Contains("only.jpg", ex.Message);

        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => DatasetScanner.Scan(cfg, null, cts.Token));

        var missing = DatasetConfig.FromTable(T(("datasets", new object?[] { T(("video_directory", tmp.File("nope"))) })), "m.toml");
        var ex2 = Assert.Throws<DatasetException>(() => DatasetScanner.Scan(missing));
        Assert.Contains("datasets[0].video_directory: directory not found", ex2.Message);
    }
}
