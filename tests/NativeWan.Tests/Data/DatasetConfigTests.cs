using System.Collections;
using NativeWan.Data;

namespace NativeWan.Tests.Data;

public class DatasetConfigTests
{
    static Dictionary<string, object?> T(params (string K, object? V)[] kv) => kv.ToDictionary(p => p.K, p => p.V);

    static Dictionary<string, object?> Root(object? general, params object?[] datasets) =>
        general is null ? T(("datasets", datasets.ToList())) : T(("general", general), ("datasets", datasets.ToList()));

    [Fact]
    public void GeneralAppliesUnlessOverridden()
    {
        var root = Root(
            T(("resolution", new List<object?> { 512L, 512L }), ("caption_extension", ".txt"), ("enable_bucket", true), ("batch_size", 2L),
              ("bogus_general", 1L), ("target_frames", new object?[] { 1L })),
            T(("image_directory", "imgs"), ("batch_size", 4L), ("cache_directory", "cache_i")),
            T(("video_directory", "vids"), ("target_frames", new object?[] { 1L, 20L, 45L }), ("frame_extraction", "slide"),
              ("frame_stride", 10L), ("source_fps", 30.0), ("resolution", 256L), ("num_repeats", 3L), ("unknown_key", 1L), ("multiple_target", true)));
        root["extra_top"] = "x";
        var cfg = DatasetConfig.FromTable(root, "ds.toml");

        Assert.Equal(2, cfg.Datasets.Count);
        var img = cfg.Datasets[0];
        Assert.Equal(DatasetKind.Image, img.Kind);
        Assert.Equal(new Resolution(512, 512), img.Resolution);
        Assert.Equal(4, img.BatchSize);                // dataset overrides general
        Assert.Equal(".txt", img.CaptionExtension);    // from general
        Assert.True(img.EnableBucket);
        Assert.Equal(1, img.NumRepeats);               // default
        Assert.Equal("imgs", img.ImageDirectory);
        Assert.Equal("cache_i", img.CacheDirectory);

        var vid = cfg.Datasets[1];
        Assert.Equal(DatasetKind.Video, vid.Kind);
        Assert.Equal(new Resolution(256, 256), vid.Resolution); // int → square
        Assert.Equal(2, vid.BatchSize);
        Assert.Equal(3, vid.NumRepeats);
        Assert.Equal([1, 17, 45], vid.TargetFrames);
        Assert.Equal(FrameExtractionMode.Slide, vid.FrameExtraction);
        Assert.Equal(10, vid.FrameStride);
        Assert.Equal(30.0, vid.SourceFps);
        Assert.Equal(129, vid.MaxFrames);

        string all = string.Join("\n", cfg.Warnings);
        Assert.Contains(cfg.Warnings, w => w.StartsWith("ds.toml:") && w.Contains("extra_top"));
        Assert.Contains(cfg.Warnings, w => w.Contains("general.bogus_general") && w.Contains("unknown"));
        Assert.Contains(cfg.Warnings, w => w.Contains("general.target_frames") && w.Contains("per-dataset"));
        Assert.Contains(cfg.Warnings, w => w.Contains("datasets[1].unknown_key") && w.Contains("unknown"));
        Assert.Contains(cfg.Warnings, w => w.Contains("datasets[1].multiple_target") && w.Contains("image datasets only"));
        Assert.Contains(cfg.Warnings, w => w.Contains("datasets[1].target_frames") && w.Contains("[1, 17, 45]"));
        Assert.Equal(6, cfg.Warnings.Count);
    }

    [Fact]
    public void DefaultsAreMusubis()
    {
        var cfg = DatasetConfig.FromTable(Root(null, T(("image_directory", "a")), T(("video_jsonl_file", "v.jsonl"))), "d.toml");
        var i = cfg.Datasets[0];
        Assert.Equal((new Resolution(960, 544), 1, 1, false, false, (string?)null), (i.Resolution, i.BatchSize, i.NumRepeats, i.EnableBucket, i.BucketNoUpscale, i.CaptionExtension));
        var v = cfg.Datasets[1];
        Assert.Equal(DatasetKind.Video, v.Kind);
        Assert.True(v.IsJsonl);
        Assert.Equal("v.jsonl", v.MediaSource);
        Assert.Equal([1], v.TargetFrames);
        Assert.Equal((FrameExtractionMode.Head, 1, 1, 129, (double?)null), (v.FrameExtraction, v.FrameStride, v.FrameSample, v.MaxFrames, v.SourceFps));
        Assert.Empty(cfg.Warnings);
    }

    [Fact]
    public void AcceptsOtherGenericCollectionShapes()
    {
        var general = new Hashtable { ["resolution"] = new ArrayList { 640, 368 }, ["enable_bucket"] = true };
        IDictionary<string, object?> ds = new SortedDictionary<string, object?>
            { ["video_directory"] = "v", ["target_frames"] = new[] { 33, 81 }.Cast<object?>(), ["source_fps"] = 24L, ["frame_extraction"] = "Full" };
        var root = new Dictionary<string, object?> { ["general"] = general, ["datasets"] = new object?[] { ds } };
        var e = DatasetConfig.FromTable(root, "x").Datasets[0];
        Assert.Equal(new Resolution(640, 368), e.Resolution);
        Assert.Equal([33, 81], e.TargetFrames);
        Assert.Equal(24.0, e.SourceFps); // an integer where musubi wants 30.0 is accepted
        Assert.Equal(FrameExtractionMode.Full, e.FrameExtraction);
    }

    [Theory]
    [InlineData("batch_size", "four", "datasets[0].batch_size", "integer")]
    [InlineData("batch_size", 0L, "datasets[0].batch_size", "≥ 1")]
    [InlineData("num_repeats", 1.5, "datasets[0].num_repeats", "float 1.5")]
    [InlineData("enable_bucket", "yes", "datasets[0].enable_bucket", "boolean")]
    [InlineData("frame_extraction", "middle", "datasets[0].frame_extraction", "middle")]
    [InlineData("source_fps", -2.0, "datasets[0].source_fps", "positive")]
    [InlineData("max_frames", 0L, "datasets[0].max_frames", "≥ 1")]
    [InlineData("caption_extension", 3L, "datasets[0].caption_extension", "string")]
    public void InvalidValuesNameSourceAndKey(string key, object value, string path, string text)
    {
        var root = Root(null, T(("video_directory", "v"), (key, value)));
        var ex = Assert.Throws<DatasetConfigException>(() => DatasetConfig.FromTable(root, "my.toml"));
        Assert.Equal("my.toml", ex.SourceName);
        Assert.Equal(path, ex.Key);
        Assert.StartsWith($"my.toml: {path}: ", ex.Message);
        Assert.Contains(text, ex.Message);
    }

    [Fact]
    public void StructuralErrors()
    {
        DatasetConfigException Fail(Dictionary<string, object?> r) => Assert.Throws<DatasetConfigException>(() => DatasetConfig.FromTable(r, "s.toml"));
        Assert.Equal("datasets[0].target_frames[1]", Fail(Root(null, T(("video_directory", "v"), ("target_frames", new object?[] { 5L, 0L })))).Key);
        Assert.Equal("datasets[0].resolution", Fail(Root(null, T(("image_directory", "i"), ("resolution", new object?[] { 1L, 2L, 3L })))).Key);
        Assert.Equal("general.resolution", Fail(Root(T(("resolution", "big")), T(("image_directory", "i")))).Key);
        Assert.Contains("needs one of", Fail(Root(null, T(("caption_extension", ".txt")))).Message);
        Assert.Contains("both an image source", Fail(Root(null, T(("image_directory", "i"), ("video_directory", "v")))).Message);
        Assert.Contains("no [[datasets]]", Fail(T(("general", T()))).Message);
        Assert.Equal("datasets", Fail(T(("datasets", "nope"))).Key);
        Assert.Equal("datasets[0].resolution", Fail(Root(null, T(("image_directory", "i"), ("enable_bucket", true), ("resolution", 20L)))).Key);
    }

    [Fact]
    public void ModeAndCompatibilityWarnings()
    {
        var cfg = DatasetConfig.FromTable(Root(null,
            T(("video_directory", "v"), ("frame_extraction", "uniform"), ("control_directory", "c")),
            T(("image_directory", "i"), ("flux_kontext_no_resize_control", true), ("bucket_no_upscale", true))), "w.toml");
        Assert.Equal(FrameExtractionMode.Head, cfg.Datasets[0].FrameExtraction);
        Assert.True(cfg.Datasets[1].NoResizeControl);
        Assert.Contains(cfg.Warnings, w => w.Contains("uniform") && w.Contains("head"));
        Assert.Contains(cfg.Warnings, w => w.Contains("datasets[0].control_directory") && w.Contains("not used"));
        Assert.Contains(cfg.Warnings, w => w.Contains("flux_kontext_no_resize_control") && w.Contains("deprecated"));
        Assert.Contains(cfg.Warnings, w => w.Contains("datasets[1].no_resize_control") && w.Contains("not used"));
        Assert.Contains(cfg.Warnings, w => w.Contains("bucket_no_upscale has no effect"));
    }

    [Fact]
    public void FromDirectoryBuildsOneEntryPerKindPresent()
    {
        using var tmp = new TempDir();
        Assert.Contains("no images", Assert.Throws<DatasetConfigException>(() => DatasetConfig.FromDirectory(tmp.Path, new Resolution(512, 512))).Message);
        tmp.Write("a.png", "x");
        var onlyImages = DatasetConfig.FromDirectory(tmp.Path, new Resolution(512, 512));
        Assert.Equal([DatasetKind.Image], onlyImages.Datasets.Select(d => d.Kind));
        tmp.Write("b.MP4", "x");
        var both = DatasetConfig.FromDirectory(tmp.Path, new Resolution(480, 832), targetFrames: [33], batchSize: 2);
        Assert.Equal([DatasetKind.Image, DatasetKind.Video], both.Datasets.Select(d => d.Kind));
        var v = both.Datasets[1];
        Assert.Equal((1, FrameExtractionMode.Full, 81, 2, true, ".txt"), (v.Index, v.FrameExtraction, v.MaxFrames, v.BatchSize, v.EnableBucket, v.CaptionExtension));
        Assert.Equal(Path.GetFullPath(tmp.Path), v.VideoDirectory);
        Assert.Throws<DatasetConfigException>(() => DatasetConfig.FromDirectory(tmp.File("missing"), new Resolution(512, 512)));
    }
}
