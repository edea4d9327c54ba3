using NativeWan.Training;

namespace NativeWan.Tests.Training;

public class LoraTrainerTests
{
    static readonly NativeWan.Models.Wan.WanDit High = TinyWan.Dit(101), Low = TinyWan.Dit(202);

    static TrainerOptions Options(int steps) => new()
    {
        MaxTrainSteps = steps,
        GradientAccumulationSteps = 2,
        Schedule = new LrSchedule(LrSchedulerType.Cosine, 1e-3, steps, WarmupSteps: 1),
        Timesteps = new TimestepSamplingOptions(TimestepSampling.Shift, DiscreteFlowShift: 3),
        Seed = 7,
    };

    static float[][] Snapshot(LoraTrainer t) => t.Experts.SelectMany(e => e.Parameters).Select(p => (float[])p.Clone()).ToArray();

    [Fact]
    public void ResumingFromACheckpointIsBitIdentical()
    {
        var data = TinyWan.Data(3, 5);
        var full = new LoraTrainer(Options(6), data, TinyWan.DualExperts(High, Low));
        for (int i = 0; i < 6; i++) full.Step();

        var first = new LoraTrainer(Options(6), data, TinyWan.DualExperts(High, Low));
        for (int i = 0; i < 4; i++) first.Step();
        var path = Path.Combine(Path.GetTempPath(), $"nw-state-{Guid.NewGuid():N}.safetensors");
        try
        {
            TrainCheckpoint.Save(first, path);
            var resumed = new LoraTrainer(Options(6), data, TinyWan.DualExperts(High, Low));
            TrainCheckpoint.Load(resumed, path);
            Assert.Equal(4, resumed.State.Step);
            for (int i = 0; i < 2; i++) resumed.Step();
            Assert.Equal(full.State, resumed.State with { Rng = full.State.Rng } );
            Assert.Equal(full.State.Rng, resumed.State.Rng);
            var a = Snapshot(full); var b = Snapshot(resumed);
            for (int k = 0; k < a.Length; k++) Assert.Equal(a[k], b[k]);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void EachStepUpdatesOnlyTheExpertOfItsTimestep()
    {
        // constant lr: with warmup the first step has lr 0 and would change nothing
        var t = new LoraTrainer(Options(20) with { Schedule = new LrSchedule(LrSchedulerType.Constant, 1e-3, 20) }, TinyWan.Data(2, 6), TinyWan.DualExperts(High, Low));
        var seen = new HashSet<ExpertRole>();
        for (int i = 0; i < 8; i++)
        {
            var before = t.Experts.Select(e => e.Parameters.Select(p => (float[])p.Clone()).ToArray()).ToArray();
            var r = t.Step();
            seen.Add(r.Expert);
            Assert.All(r.Timesteps, ts => Assert.Equal(r.Expert == ExpertRole.HighNoise, ts / 1000.0 >= 0.875));
            for (int e = 0; e < 2; e++)
            {
                bool changed = t.Experts[e].Parameters.Select((p, k) => !p.AsSpan().SequenceEqual(before[e][k])).Any(c => c);
                Assert.Equal(t.Experts[e].Role == r.Expert, changed);
            }
        }
        Assert.Equal(2, seen.Count);
    }

    [Fact]
    public void TrainingLowersTheEvaluationLoss()
    {
        var data = TinyWan.Data(2, 8);
        var o = Options(40) with { Schedule = new LrSchedule(LrSchedulerType.Constant, 3e-3, 40), GradientAccumulationSteps = 1 };
        var t = new LoraTrainer(o, data, TinyWan.DualExperts(High, Low, shared: true));
        float[] sigmas = [0.2f, 0.5f, 0.8f, 0.95f];
        double before = t.EvaluationLoss(data, sigmas, 99);
        for (int i = 0; i < 40; i++) t.Step();
        double after = t.EvaluationLoss(data, sigmas, 99);
        Assert.True(after < before * 0.97, $"evaluation loss {before} -> {after}");
    }

    [Fact]
    public void StateFromAnotherLayoutIsRefused()
    {
        var path = Path.Combine(Path.GetTempPath(), $"nw-state-{Guid.NewGuid():N}.safetensors");
        try
        {
            var dual = new LoraTrainer(Options(2), TinyWan.Data(1, 1), TinyWan.DualExperts(High, Low));
            TrainCheckpoint.Save(dual, path);
            var shared = new LoraTrainer(Options(2), TinyWan.Data(1, 1), TinyWan.DualExperts(High, Low, shared: true));
            var e = Assert.Throws<NativeWan.IO.ModelFileException>(() => TrainCheckpoint.Load(shared, path));
            Assert.Contains("2 LoRA networks", e.Message);
        }
        finally { File.Delete(path); }
    }
}
