using NativeWan.Training;

namespace NativeWan.Tests.Training;

public class LrScheduleTests
{
    const double Lr = 2e-4;

    [Theory]
    // type, warmup, total, step, expected factor (closed forms of transformers' schedule lambdas)
    [InlineData("constant", 10, 110, 0, 1.0)]
    [InlineData("constant", 10, 110, 5, 1.0)]
    [InlineData("constant_with_warmup", 10, 110, 0, 0.0)]
    [InlineData("constant_with_warmup", 10, 110, 5, 0.5)]
    [InlineData("constant_with_warmup", 10, 110, 50, 1.0)]
    [InlineData("linear", 10, 110, 5, 0.5)]
    [InlineData("linear", 10, 110, 10, 1.0)]
    [InlineData("linear", 10, 110, 35, 0.75)]
    [InlineData("linear", 10, 110, 110, 0.0)]
    [InlineData("cosine", 10, 110, 60, 0.5)]
    [InlineData("cosine", 10, 110, 35, 0.8535533905932737)] // ½(1+cos(π/4))
    [InlineData("cosine", 0, 100, 100, 0.0)]
    [InlineData("cosine_with_restarts", 0, 100, 25, 0.8535533905932737)] // one cycle = cosine
    [InlineData("polynomial", 0, 100, 50, 0.5)]
    public void FactorsMatchTheClosedForms(string type, int warmup, int total, int step, double expected)
    {
        var s = new LrSchedule(LrSchedule.ParseType(type), Lr, total, warmup);
        Assert.Equal(expected, s.Factor(step), 12);
        Assert.Equal(Lr * expected, s.LearningRate(step), 15);
    }

    [Fact]
    public void RestartsRepeatTheCosineEveryCycle()
    {
        var s = new LrSchedule(LrSchedulerType.CosineWithRestarts, Lr, 100, 0, NumCycles: 4);
        Assert.Equal(1.0, s.Factor(0), 12);
        Assert.Equal(1.0, s.Factor(25), 12);
        Assert.Equal(0.5 * (1 + Math.Cos(Math.PI * (4 * 0.1 % 1))), s.Factor(10), 12);
        Assert.Equal(s.Factor(10), s.Factor(35), 12);
    }

    [Fact]
    public void MinLrRatioIsAFloorForDecayingSchedules()
    {
        var s = new LrSchedule(LrSchedulerType.Cosine, Lr, 100, 0, MinLrRatio: 0.1);
        Assert.Equal(0.1, s.Factor(100), 12);
        Assert.Equal(0.1 + 0.9 * 0.5, s.Factor(50), 12);
        var p = new LrSchedule(LrSchedulerType.Polynomial, Lr, 100, 0, Power: 2.0);
        Assert.Equal(0.25, p.Factor(50), 12);
    }

    [Fact]
    public void UnknownNameIsAClearError()
    {
        var e = Assert.Throws<ArgumentException>(() => LrSchedule.ParseType("rex2"));
        Assert.Contains("rex2", e.Message);
    }
}
