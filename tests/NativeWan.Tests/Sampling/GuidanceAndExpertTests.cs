using NativeWan.Sampling;

namespace NativeWan.Tests.Sampling;

public class GuidanceAndExpertTests
{
    [Fact]
    public void CfgCombine()
    {
        float[] cond = [3f, -1f, 0.5f], uncond = [1f, 1f, 0.5f];
        Assert.Equal(new[] { 6f, -4f, 0.5f }, ClassifierFreeGuidance.Combine(cond, uncond, 2.5f));
        Assert.Equal(cond, ClassifierFreeGuidance.Combine(cond, uncond, 1f));
        Assert.Equal(uncond, ClassifierFreeGuidance.Combine(cond, uncond, 0f));
        var alias = (float[])cond.Clone();
        ClassifierFreeGuidance.Combine(alias, uncond, 2.5f, alias);
        Assert.Equal(new[] { 6f, -4f, 0.5f }, alias);
        Assert.Throws<ArgumentException>(() => ClassifierFreeGuidance.Combine(cond, uncond[..2], 2f));
    }

    [Theory]
    [InlineData(875.0, WanExpert.HighNoise, 4.0f)]
    [InlineData(874.0, WanExpert.LowNoise, 3.0f)]
    [InlineData(874.999, WanExpert.LowNoise, 3.0f)]
    [InlineData(999.0, WanExpert.HighNoise, 4.0f)]
    public void T2VBoundary(double t, WanExpert expert, float guidance)
    {
        Assert.Equal(expert, ExpertSchedule.T2VA14B.ExpertFor(t));
        Assert.Equal(guidance, ExpertSchedule.T2VA14B.GuidanceFor(t));
    }

    [Theory]
    [InlineData(900.0, WanExpert.HighNoise)]
    [InlineData(899.0, WanExpert.LowNoise)]
    public void I2VBoundary(double t, WanExpert expert)
    {
        Assert.Equal(expert, ExpertSchedule.I2VA14B.ExpertFor(t));
        Assert.Equal(3.5f, ExpertSchedule.I2VA14B.GuidanceFor(t));
    }

    [Theory]
    // Spec §1.2: default UniPC, T2V (shift 12, 40 steps) → 26 high-noise steps (999 … 877), 14 low (865 … 235);
    // I2V (shift 5, 40 steps) → 15 high (999 … 902), 25 low (892 … 113).
    [InlineData(true, 12.0, 26, 877, 865, 235)]
    [InlineData(false, 5.0, 15, 902, 892, 113)]
    public void DefaultSchedulesSplitAsTheSpecSays(bool t2v, double shift, int high, int lastHigh, int firstLow, int lastLow)
    {
        var experts = t2v ? ExpertSchedule.T2VA14B : ExpertSchedule.I2VA14B;
        var ts = FlowSchedule.UniPC(40, shift).Timesteps;
        var highTs = ts.Where(t => experts.ExpertFor(t) == WanExpert.HighNoise).ToArray();
        var lowTs = ts.Where(t => experts.ExpertFor(t) == WanExpert.LowNoise).ToArray();
        Assert.Equal(high, highTs.Length);
        Assert.Equal(40 - high, lowTs.Length);
        Assert.Equal(999, highTs[0]);
        Assert.Equal(lastHigh, highTs[^1]);
        Assert.Equal(firstLow, lowTs[0]);
        Assert.Equal(lastLow, lowTs[^1]);
    }
}
