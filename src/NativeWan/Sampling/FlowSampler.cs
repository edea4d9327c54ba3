namespace NativeWan.Sampling;

/// <summary>The solvers of spec §4.3–4.4.</summary>
public enum FlowSolver
{
    /// <summary>Official default: <c>FlowUniPCMultistepScheduler</c> (bh2, order 2, predict x₀, lower_order_final).</summary>
    UniPC,
    /// <summary>Official <c>dpm++</c>: <c>FlowDPMSolverMultistepScheduler</c> (dpmsolver++, midpoint, order 2).</summary>
    DpmPlusPlus,
    /// <summary>First-order Euler (musubi <c>vanilla</c>, ComfyUI <c>euler</c>).</summary>
    Euler,
}

/// <summary>Common step bookkeeping and argument checks for the flow solvers.</summary>
public abstract class FlowSampler : IFlowSampler
{
    int _length = -1;

    /// <inheritdoc/>
    public FlowSchedule Schedule { get; }

    /// <inheritdoc/>
    public int NextStep { get; private set; }

    /// <summary>Creates a solver over <paramref name="schedule"/>.</summary>
    protected FlowSampler(FlowSchedule schedule) => Schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));

    /// <summary>
    /// The solver for <paramref name="solver"/> with its official schedule: UniPC → <see cref="FlowSchedule.UniPC"/>,
    /// DPM++ → <see cref="FlowSchedule.DpmPlusPlus"/>, Euler → <see cref="FlowSchedule.Euler"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Bad steps/shift or an unknown solver.</exception>
    public static FlowSampler Create(FlowSolver solver, int steps, double shift) => solver switch
    {
        FlowSolver.UniPC => new FlowUniPCSampler(FlowSchedule.UniPC(steps, shift)),
        FlowSolver.DpmPlusPlus => new FlowDpmSolverSampler(FlowSchedule.DpmPlusPlus(steps, shift)),
        FlowSolver.Euler => new FlowEulerSampler(FlowSchedule.Euler(steps, shift)),
        _ => throw new ArgumentOutOfRangeException(nameof(solver), solver, "unknown solver"),
    };

    /// <inheritdoc/>
    public void Step(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> prevSample)
    {
        if (stepIndex != NextStep)
            throw new InvalidOperationException($"step {stepIndex} requested but step {NextStep} is next (steps run in order 0…{Schedule.Steps - 1}; call Reset to restart)");
        if (NextStep >= Schedule.Steps) throw new InvalidOperationException($"all {Schedule.Steps} steps are done");
        int n = sample.Length;
        if (n == 0) throw new ArgumentException("empty latent", nameof(sample));
        if (modelOutput.Length != n) throw new ArgumentException($"model output has {modelOutput.Length} elements, the sample {n}", nameof(modelOutput));
        if (prevSample.Length != n) throw new ArgumentException($"output has {prevSample.Length} elements, the sample {n}", nameof(prevSample));
        if (_length >= 0 && _length != n) throw new ArgumentException($"sample has {n} elements but earlier steps had {_length}", nameof(sample));
        _length = n;
        StepCore(modelOutput, stepIndex, sample, prevSample);
        NextStep++;
    }

    /// <summary>Convenience form of <see cref="Step(ReadOnlySpan{float}, int, ReadOnlySpan{float}, Span{float})"/> returning a new array.</summary>
    public float[] Step(float[] modelOutput, int stepIndex, float[] sample)
    {
        ArgumentNullException.ThrowIfNull(modelOutput);
        ArgumentNullException.ThrowIfNull(sample);
        var r = new float[sample.Length];
        Step(modelOutput, stepIndex, sample, r);
        return r;
    }

    /// <inheritdoc/>
    public void Reset()
    {
        NextStep = 0;
        _length = -1;
        ResetCore();
    }

    /// <summary>The solver update; arguments are already checked.</summary>
    protected abstract void StepCore(ReadOnlySpan<float> v, int i, ReadOnlySpan<float> x, Span<float> prev);

    /// <summary>Clears solver history.</summary>
    protected abstract void ResetCore();

    /// <summary>λ = ln α − ln σ with α = 1 − σ, each term rounded to float32 as the official 0-d float32 tensors are.</summary>
    private protected static float Lambda(float sigma)
    {
        float alpha = 1f - sigma;
        return (float)Math.Log(alpha) - (float)Math.Log(sigma);
    }

    /// <summary>float32 <c>expm1</c>: evaluated in float64 (a short series near 0, where exp(x) − 1 cancels) and rounded.</summary>
    private protected static float Expm1(float x)
    {
        double d = x;
        double r = Math.Abs(d) < 1e-5 ? d + d * d / 2 + d * d * d / 6 : Math.Exp(d) - 1.0; // exp(−∞) − 1 = −1
        return (float)r;
    }

    /// <summary>x₀ prediction of a flow model: <c>m = x − σ·v</c> (float32, as <c>convert_model_output</c>).</summary>
    private protected static void PredictX0(ReadOnlySpan<float> x, ReadOnlySpan<float> v, float sigma, Span<float> m)
    {
        for (int j = 0; j < x.Length; j++) m[j] = x[j] - sigma * v[j];
    }
}
