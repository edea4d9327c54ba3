namespace NativeWan.Sampling;

/// <summary>
/// DPM-Solver++ 2M for flow matching, as the official <c>FlowDPMSolverMultistepScheduler</c> with the Wan defaults
/// (spec §4.4): dpmsolver++, midpoint, solver_order 2, lower_order_final, final σ = 0.
/// m_i = x_i − σ_i·v_i; the first and the last step are first order
/// <c>x' = (σ_t/σ_s)·x − α_t(e^{−h} − 1)·m_i</c>, the others second order with
/// <c>D1 = (1/r₀)(m_i − m_{i−1})</c>, <c>r₀ = (λ_s − λ_{s−1})/h</c>:
/// <c>x' = (σ_t/σ_s)·x − α_t(e^{−h} − 1)·m_i − 0.5·α_t(e^{−h} − 1)·D1</c>.
/// σ = 1 (λ = −∞) and σ = 0 (λ = +∞) follow IEEE arithmetic exactly as the official code does.
/// </summary>
public sealed class FlowDpmSolverSampler : FlowSampler
{
    const int SolverOrder = 2;
    float[]? _mPrev;   // m_{i-1}
    float[]? _m;       // m_i
    int _lowerOrderNums;

    /// <summary>DPM++ over <paramref name="schedule"/> (normally <see cref="FlowSchedule.DpmPlusPlus"/>).</summary>
    public FlowDpmSolverSampler(FlowSchedule schedule) : base(schedule) { }

    /// <inheritdoc/>
    protected override void ResetCore()
    {
        _mPrev = _m = null;
        _lowerOrderNums = 0;
    }

    /// <inheritdoc/>
    protected override void StepCore(ReadOnlySpan<float> v, int i, ReadOnlySpan<float> x, Span<float> prev)
    {
        var sig = Schedule.Sigmas;
        int n = x.Length;
        // model_outputs = [m_{i-1}, m_i]; reuse the array two steps old.
        var m = _mPrev is { } old && old.Length == n ? old : new float[n];
        _mPrev = _m;
        _m = m;
        PredictX0(x, v, sig[i], m);

        // final_sigmas_type "zero" makes the last step first order.
        bool lowerOrderFinal = i == Schedule.Steps - 1;
        float sigmaT = sig[i + 1], sigmaS0 = sig[i];
        float alphaT = 1f - sigmaT;
        float lambdaS0 = Lambda(sigmaS0);
        float h = Lambda(sigmaT) - lambdaS0;
        float c1 = sigmaT / sigmaS0;
        float c2 = alphaT * ((float)Math.Exp(-h) - 1f);

        if (_lowerOrderNums < 1 || lowerOrderFinal)
        {
            for (int j = 0; j < n; j++) prev[j] = c1 * x[j] - c2 * m[j];
        }
        else
        {
            var m1 = _mPrev!;
            float h0 = lambdaS0 - Lambda(sig[i - 1]);
            float r0 = h0 / h;
            float invR0 = 1f / r0;       // 0 when the previous σ was 1 (λ = −∞)
            float c3 = 0.5f * c2;
            for (int j = 0; j < n; j++)
            {
                float d1 = invR0 * (m[j] - m1[j]);
                prev[j] = c1 * x[j] - c2 * m[j] - c3 * d1;
            }
        }
        if (_lowerOrderNums < SolverOrder) _lowerOrderNums++;
    }
}
