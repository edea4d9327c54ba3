using System.Diagnostics;
using System.Numerics.Tensors;
using NativeWan.Models.Wan;
using NativeWan.Numerics;
using NativeWan.Optim;

namespace NativeWan.Training;

/// <summary>
/// The LoRA training loop for Wan DiTs on the CPU reference path, as a flat sequence per optimizer step:
/// draw items and noise levels → pick the expert (two experts: t ≥ boundary·1000 → high noise, spec 4.1) →
/// forward/backward with gradient accumulation → average, clip → AdamW at the scheduled lr.
/// All randomness comes from one <see cref="Prng"/> seeded by <see cref="TrainerOptions.Seed"/> plus the epoch
/// permutations, and all of it is part of <see cref="TrainerState"/>, so a run saved after k steps and resumed gives
/// bit-identical LoRA weights to an uninterrupted run.
/// </summary>
public sealed class LoraTrainer
{
    readonly TrainerOptions _o;
    readonly IReadOnlyList<TrainingSample> _data;
    readonly TimestepSampler _sampler;
    int[] _order = [];

    /// <summary>The experts: one (single model) or two (high noise and low noise).</summary>
    public IReadOnlyList<TrainExpert> Experts { get; }
    /// <summary>Step, epoch, data cursor and random state.</summary>
    public TrainerState State { get; private set; }

    /// <exception cref="ArgumentException">No data, no expert, more than two experts, or two experts without one high- and one low-noise role.</exception>
    public LoraTrainer(TrainerOptions options, IReadOnlyList<TrainingSample> data, IReadOnlyList<TrainExpert> experts)
    {
        if (data.Count == 0) throw new ArgumentException("the dataset is empty");
        if (experts.Count is < 1 or > 2) throw new ArgumentException($"1 or 2 experts expected, got {experts.Count}");
        if (experts.Count == 2 && !(experts.Any(e => e.Role == ExpertRole.HighNoise) && experts.Any(e => e.Role == ExpertRole.LowNoise)))
            throw new ArgumentException("two experts must be one high-noise and one low-noise model");
        if (options.GradientAccumulationSteps < 1) throw new ArgumentException("gradient_accumulation_steps must be at least 1");
        _o = options;
        _data = data;
        Experts = experts;
        _sampler = new TimestepSampler(options.Timesteps);
        State = new TrainerState(0, 0, 0, new Prng(options.Seed).State);
        _order = Permutation(0);
    }

    /// <summary>Replaces the loop state (after loading a checkpoint; the LoRA and optimizer tensors are restored separately).</summary>
    public void Restore(TrainerState state)
    {
        State = state;
        _order = Permutation(state.Epoch);
    }

    int[] Permutation(int epoch)
    {
        var idx = Enumerable.Range(0, _data.Count).ToArray();
        var rng = new Prng(_o.Seed ^ (0x9E3779B97F4A7C15UL * (ulong)(epoch + 1)));
        for (int i = idx.Length - 1; i > 0; i--) { int j = rng.NextInt(i + 1); (idx[i], idx[j]) = (idx[j], idx[i]); }
        return idx;
    }

    TrainingSample NextItem()
    {
        if (State.Cursor >= _order.Length)
        {
            State = State with { Epoch = State.Epoch + 1, Cursor = 0 };
            _order = Permutation(State.Epoch);
        }
        var item = _data[_order[State.Cursor]];
        State = State with { Cursor = State.Cursor + 1 };
        return item;
    }

    TrainExpert ExpertFor(float timestep) =>
        Experts.Count == 1 ? Experts[0]
        : timestep / 1000.0 >= _o.TimestepBoundary ? Experts.First(e => e.Role == ExpertRole.HighNoise)
        : Experts.First(e => e.Role == ExpertRole.LowNoise);

    /// <summary>Runs one optimizer step and returns what it did.</summary>
    public TrainProgress Step()
    {
        var sw = Stopwatch.StartNew();
        var rng = Prng.FromState(State.Rng);
        TrainExpert? expert = null;
        double lossSum = 0;
        var ts = new List<float>();
        for (int micro = 0; micro < _o.GradientAccumulationSteps; micro++)
        {
            var item = NextItem();
            var level = _sampler.Sample(rng);
            if (expert is null) expert = ExpertFor(level.Timestep);
            else
            {
                // Later micro-batches stay on the first one's expert (musubi re-samples the batch into the same side).
                for (int tries = 0; tries < 1000 && ExpertFor(level.Timestep) != expert; tries++) level = _sampler.Sample(rng);
            }
            var noise = new float[item.Latent.Length];
            rng.FillGaussian(noise);
            float loss = expert.Engine.TrainStep(item, noise, level.Sigma, level.Timestep, expert.Lora, expert.Grads,
                accumulate: micro > 0, checkpointing: _o.GradientCheckpointing);
            lossSum += loss;
            ts.Add(level.Timestep);
        }
        if (_o.GradientAccumulationSteps > 1)
            foreach (var g in expert!.Gradients) TensorPrimitives.Multiply(g, 1f / _o.GradientAccumulationSteps, g);
        double norm = GradientClipping.ClipByGlobalNorm(expert!.Gradients, _o.MaxGradNorm);
        double lr = _o.Schedule.LearningRate(State.Step);
        expert.Optimizer.Update(expert.Gradients, lr);
        State = State with { Step = State.Step + 1, Rng = rng.State };
        return new TrainProgress(State.Step, State.Epoch, lossSum / _o.GradientAccumulationSteps, lr, norm, expert.Role, ts, sw.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Mean loss over a fixed evaluation set: each item at each of <paramref name="sigmas"/> with noise from
    /// <paramref name="seed"/>, through the expert that owns that noise level. Deterministic; nothing is updated.
    /// </summary>
    public double EvaluationLoss(IReadOnlyList<TrainingSample> items, IReadOnlyList<float> sigmas, ulong seed)
    {
        var rng = new Prng(seed);
        double sum = 0;
        int n = 0;
        foreach (var item in items)
            foreach (var s in sigmas)
            {
                var noise = new float[item.Latent.Length];
                rng.FillGaussian(noise);
                float t = s * 1000f + 1f;
                var e = ExpertFor(t);
                sum += e.Engine.Loss(item, noise, s, t, e.Lora);
                n++;
            }
        return sum / n;
    }
}

/// <summary>The loop state saved in a training checkpoint.</summary>
/// <param name="Step">Optimizer steps completed.</param>
/// <param name="Epoch">Current pass over the data (0-based).</param>
/// <param name="Cursor">Items of the current epoch's permutation already used.</param>
/// <param name="Rng">State of the timestep/noise generator (four words).</param>
public sealed record TrainerState(int Step, int Epoch, int Cursor, ulong[] Rng);
