using System.Diagnostics;
using NativeWan.Models.Wan;
using NativeWan.Sampling;

namespace NativeWan.Generation;

/// <summary>
/// The sampling loop of spec 4.3: for i = 0 … N−1, t = schedule.Timesteps[i]; pick the expert and CFG scale g by
/// <see cref="ExpertSchedule"/>; <c>v_c = model(x, t, context, y)</c>; when g ≠ 1 also
/// <c>v_u = model(x, t, negative context, y)</c> and <c>v = v_u + g·(v_c − v_u)</c>
/// (<see cref="ClassifierFreeGuidance"/>); then one solver step. Latents stay float32.
/// </summary>
public static class DenoisingLoop
{
    /// <summary>Runs all steps of <paramref name="sampler"/> (which is reset first) from <paramref name="latent"/>.</summary>
    /// <param name="latent">x_0 (noise) [C, F, H, W]; not modified.</param>
    /// <param name="shape">Its shape; C must equal the models' latent channels.</param>
    /// <param name="sampler">The solver with its schedule.</param>
    /// <param name="experts">The model(s).</param>
    /// <param name="schedule">Boundary and per-expert guidance.</param>
    /// <param name="context">Prompt embeddings [rows, text_dim].</param>
    /// <param name="negativeContext">Negative-prompt embeddings; may be empty when no step has g ≠ 1.</param>
    /// <param name="cond">I2V conditioning y [CondChannels, F, H, W], the same for both passes; empty for T2V.</param>
    /// <param name="progress">Called after every step.</param>
    /// <param name="ct">Checked before every step.</param>
    /// <returns>The final latent x_N.</returns>
    /// <exception cref="ArgumentException">Sizes disagree, or a step needs CFG but <paramref name="negativeContext"/> is empty.</exception>
    public static float[] Run(ReadOnlySpan<float> latent, LatentShape shape, IFlowSampler sampler, GenerationExperts experts, ExpertSchedule schedule,
        ReadOnlySpan<float> context, ReadOnlySpan<float> negativeContext, ReadOnlySpan<float> cond,
        Action<DenoiseProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(sampler); ArgumentNullException.ThrowIfNull(experts); ArgumentNullException.ThrowIfNull(schedule);
        if (latent.Length != shape.Elements) throw new ArgumentException($"latent has {latent.Length} elements, shape {shape} needs {shape.Elements}", nameof(latent));
        if (shape.Channels != experts.LatentChannels) throw new ArgumentException($"latent has {shape.Channels} channels, the model predicts {experts.LatentChannels}", nameof(shape));
        long condNeed = (long)experts.CondChannels * shape.Frames * shape.Height * shape.Width;
        if (cond.Length != condNeed) throw new ArgumentException($"conditioning has {cond.Length} elements, the model needs {condNeed}", nameof(cond));

        sampler.Reset();
        var ts = sampler.Schedule.Timesteps;
        var x = latent.ToArray();
        var next = new float[x.Length];
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < ts.Length; i++)
        {
            ct.ThrowIfCancellationRequested();
            double t = ts[i];
            var side = schedule.ExpertFor(t);
            float g = schedule.GuidanceFor(t);
            var model = experts.For(side);
            var v = model.Predict(x, shape, (float)t, context, cond);
            if (g != 1f)
            {
                if (negativeContext.IsEmpty) throw new ArgumentException($"step {i} uses guidance {g} but no negative context was given", nameof(negativeContext));
                var vu = model.Predict(x, shape, (float)t, negativeContext, cond);
                ClassifierFreeGuidance.Combine(v, vu, g, v);
            }
            sampler.Step(v, i, x, next);
            (x, next) = (next, x);
            progress?.Invoke(new DenoiseProgress(i, ts.Length, t, side, g, clock.Elapsed, x));
        }
        return x;
    }
}
