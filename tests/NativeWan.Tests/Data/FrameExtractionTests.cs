using NativeWan.Data;

namespace NativeWan.Tests.Data;

public class FrameExtractionTests
{
    static (int, int)[] W(params (int, int)[] w) => w;

    static (int, int)[] Run(FrameExtractionMode m, int frames, int[] targets, int stride = 1, int sample = 1, int max = 129) =>
        FrameExtraction.Indices(m, frames, targets, stride, sample, max).Select(w => (w.Start, w.Count)).ToArray();

    // The 40-frame examples of musubi's docs/dataset_config.md
    [Fact]
    public void Head() =>
        Assert.Equal(W((0, 1), (0, 13), (0, 25)), Run(FrameExtractionMode.Head, 40, [1, 13, 25]));

    [Fact]
    public void HeadSkipsTargetsLongerThanTheClip() =>
        Assert.Equal(W((0, 1), (0, 13)), Run(FrameExtractionMode.Head, 20, [25, 13, 1]));

    [Fact]
    public void Chunk() =>
        // 13: starts 0, 13, 26 (39 + 13 > 40); 25: start 0 only
        Assert.Equal(W((0, 13), (13, 13), (26, 13), (0, 25)), Run(FrameExtractionMode.Chunk, 40, [13, 25]));

    [Fact]
    public void Slide() =>
        // stride 10: N = 1 → 0, 10, 20, 30; N = 13 → starts ≤ 27: 0, 10, 20; N = 25 → starts ≤ 15: 0, 10
        Assert.Equal(W((0, 1), (10, 1), (20, 1), (30, 1), (0, 13), (10, 13), (20, 13), (0, 25), (10, 25)),
            Run(FrameExtractionMode.Slide, 40, [1, 13, 25], stride: 10));

    [Fact]
    public void Uniform() =>
        // sample 4: linspace(0, 40−N, 4): N = 1 → 0, 13, 26, 39; 13 → 0, 9, 18, 27; 25 → 0, 5, 10, 15
        Assert.Equal(W((0, 1), (13, 1), (26, 1), (39, 1), (0, 13), (9, 13), (18, 13), (27, 13), (0, 25), (5, 25), (10, 25), (15, 25)),
            Run(FrameExtractionMode.Uniform, 40, [1, 13, 25], sample: 4));

    [Fact]
    public void UniformFloorsFractionalStarts() =>
        // linspace(0, 10, 4) = 0, 3.33, 6.67, 10 → 0, 3, 6, 10
        Assert.Equal(W((0, 9), (3, 9), (6, 9), (10, 9)), Run(FrameExtractionMode.Uniform, 19, [9], sample: 4));

    [Fact]
    public void UniformWithOneSampleIsHead() =>
        Assert.Equal(W((0, 5)), Run(FrameExtractionMode.Uniform, 30, [5], sample: 1));

    [Fact]
    public void Full()
    {
        // max_frames 31: 20 → 17, 25 → 25, 35 → min(35, 31) = 31 → 29 (the docs' picture says 31, musubi's code gives 4·7+1)
        Assert.Equal(W((0, 17)), Run(FrameExtractionMode.Full, 20, [1], max: 31));
        Assert.Equal(W((0, 25)), Run(FrameExtractionMode.Full, 25, [1], max: 31));
        Assert.Equal(W((0, 29)), Run(FrameExtractionMode.Full, 35, [1], max: 31));
        Assert.Empty(Run(FrameExtractionMode.Full, 0, [1]));
    }

    [Fact]
    public void TargetFramesRoundDownTo4NPlus1()
    {
        Assert.Equal([1, 17, 45], FrameExtraction.NormalizeTargetFrames([45, 20, 1, 18, 46]));
        Assert.Equal(W((0, 17)), Run(FrameExtractionMode.Head, 40, [20]));
        Assert.Throws<ArgumentOutOfRangeException>(() => FrameExtraction.NormalizeTargetFrames([0]));
    }

    [Fact]
    public void SourceFpsDropsFramesLikeMusubi()
    {
        // 30 → 16 fps: d = 8/15, target index ⌊i·8/15⌋ = 0,0,1,1,2,2,3,3,4,4,5,5,6,6,7 → keep the first of each
        Assert.Equal([0, 2, 4, 6, 8, 10, 12, 14], FrameExtraction.ResampleSourceIndices(15, 30, 16));
        Assert.Equal([0, 2, 4, 6, 8], FrameExtraction.ResampleSourceIndices(15, 30, 16, endTargetIndex: 5));
        // 32 → 16: every other frame
        Assert.Equal([0, 2, 4, 6], FrameExtraction.ResampleSourceIndices(8, 32, 16));
        // 8 → 16: nothing duplicated, target indices 0, 2, 4, 6…; the head limit counts target indices
        Assert.Equal([0, 1, 2, 3, 4], FrameExtraction.ResampleSourceIndices(5, 8, 16));
        Assert.Equal([0, 1, 2], FrameExtraction.ResampleSourceIndices(5, 8, 16, endTargetIndex: 5));
        Assert.Equal([0, 1, 2, 3], FrameExtraction.ResampleSourceIndices(4, 16, 16));
    }
}
