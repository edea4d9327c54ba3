namespace NativeWan.Sampling;

/// <summary>
/// UniPC for flow matching, as the official <c>FlowUniPCMultistepScheduler</c> with the Wan defaults (spec §4.4):
/// bh2, solver_order 2, predict_x0, lower_order_final, no disabled corrector steps, final σ = 0.
/// Per step i: m_i = x_i − σ_i·v_i (from the <i>uncorrected</i> x_i); for i &gt; 0 the UniC corrector replaces x_i
/// using x_{i−1}, m_{i−1} (and m_{i−2} when the previous step was 2nd order) and m_i; then the UniP predictor of order
/// min(2, N − i, i + 1) gives x_{i+1}. Scalars (σ, α, λ, h, expm1, ρ) are float32 like the official 0-d tensors,
/// element updates float32 in the official operation order.
/// </summary>
public sealed class FlowUniPCSampler : FlowSampler
{
    const int SolverOrder = 2;
    float[]? _mPrev;        // m_{i-1}
    float[]? _mPrev2;       // m_{i-2}
    float[]? _lastSample;   // corrected x_{i-1}
    readonly Stack<float[]> _spare = new();
    int _lastOrder;         // order of the previous predictor step
    int _lowerOrderNums;

    /// <summary>UniPC over <paramref name="schedule"/> (normally <see cref="FlowSchedule.UniPC"/>).</summary>
    public FlowUniPCSampler(FlowSchedule schedule) : base(schedule) { }

    /// <inheritdoc/>
    protected override void ResetCore()
    {
        _mPrev = _mPrev2 = _lastSample = null;
        _spare.Clear();
        _lastOrder = _lowerOrderNums = 0;
    }

    float[] Rent(int n) => _spare.TryPop(out var a) && a.Length == n ? a : new float[n];

    void Return(float[]? a) { if (a != null) _spare.Push(a); }

    /// <inheritdoc/>
    protected override void StepCore(ReadOnlySpan<float> v, int i, ReadOnlySpan<float> x, Span<float> prev)
    {
        int n = x.Length;
        var m = Rent(n);
        PredictX0(x, v, Schedule.Sigmas[i], m);   // from the uncorrected x_i, as the official step()

        // Corrector (UniC) on x_i, using the previous step's order.
        var xs = Rent(n);
        if (i > 0 && _lastSample != null) Correct(i, m, xs);
        else x.CopyTo(xs);

        // History: model_outputs = [m_{i-1}, m_i]; last_sample = corrected x_i.
        Return(_mPrev2);
        _mPrev2 = _mPrev;
        _mPrev = m;
        Return(_lastSample);
        _lastSample = xs;

        int order = Math.Min(SolverOrder, Schedule.Steps - i);   // lower_order_final
        order = Math.Min(order, _lowerOrderNums + 1);            // warm-up
        _lastOrder = order;
        Predict(i, order, xs, prev);
        if (_lowerOrderNums < SolverOrder) _lowerOrderNums++;
    }

    /// <summary>UniC (bh2) at step i: corrects x_i from x_{i−1} (stored), m_{i−1}, m_{i−2}, and m_i = <paramref name="mT"/>.</summary>
    void Correct(int i, float[] mT, float[] result)
    {
        var sig = Schedule.Sigmas;
        float sigmaT = sig[i], sigmaS0 = sig[i - 1];
        float alphaT = 1f - sigmaT;
        float lambdaT = Lambda(sigmaT), lambdaS0 = Lambda(sigmaS0);
        float h = lambdaT - lambdaS0;
        float hh = -h;
        float hPhi1 = Expm1(hh);
        float bH = Expm1(hh);
        var m0 = _mPrev!;          // m_{i-1}
        var xPrev = _lastSample!;  // corrected x_{i-1}
        float c1 = sigmaT / sigmaS0, c2 = alphaT * hPhi1, c3 = alphaT * bH;

        if (_lastOrder == 1)
        {
            // rhos_c = [0.5], no D1s: x_t = x_t_ − αB·(0 + 0.5·(m_t − m0))
            for (int j = 0; j < result.Length; j++)
            {
                float xt_ = c1 * xPrev[j] - c2 * m0[j];
                float d1t = mT[j] - m0[j];
                result[j] = xt_ - c3 * (0.5f * d1t);
            }
            return;
        }

        // Order 2: rk = (λ_{i−2} − λ_{i−1}) / h, D1 = (m_{i−2} − m0) / rk; ρ = solve([[1, 1], [rk, 1]], [b1, b2]).
        var m1 = _mPrev2!;
        float rk = (Lambda(sig[i - 2]) - lambdaS0) / h;
        float hPhiK = hPhi1 / hh - 1f;
        float b1 = hPhiK * 1f / bH;
        hPhiK = hPhiK / hh - 0.5f;
        float b2 = hPhiK * 2f / bH;
        double rho0d = ((double)b1 - b2) / (1.0 - rk);
        float rho0 = (float)rho0d, rho1 = (float)(b1 - rho0d);
        for (int j = 0; j < result.Length; j++)
        {
            float xt_ = c1 * xPrev[j] - c2 * m0[j];
            float d1 = (m1[j] - m0[j]) / rk;
            float corr = rho0 * d1;
            float d1t = mT[j] - m0[j];
            result[j] = xt_ - c3 * (corr + rho1 * d1t);
        }
    }

    /// <summary>UniP (bh2) from corrected x_i to x_{i+1}; m0 = m_i, m1 = m_{i−1}.</summary>
    void Predict(int i, int order, float[] x, Span<float> prev)
    {
        var sig = Schedule.Sigmas;
        float sigmaT = sig[i + 1], sigmaS0 = sig[i];
        float alphaT = 1f - sigmaT;
        float lambdaS0 = Lambda(sigmaS0);
        float h = Lambda(sigmaT) - lambdaS0;   // +∞ at the final σ = 0
        float hh = -h;
        float hPhi1 = Expm1(hh);
        float bH = Expm1(hh);
        float c1 = sigmaT / sigmaS0, c2 = alphaT * hPhi1, c3 = alphaT * bH;
        var m0 = _mPrev!;

        if (order == 1)
        {
            for (int j = 0; j < x.Length; j++) prev[j] = c1 * x[j] - c2 * m0[j];
            return;
        }
        var m1 = _mPrev2!;
        float rk = (Lambda(sig[i - 1]) - lambdaS0) / h;
        for (int j = 0; j < x.Length; j++)
        {
            float xt_ = c1 * x[j] - c2 * m0[j];
            float d1 = (m1[j] - m0[j]) / rk;
            prev[j] = xt_ - c3 * (0.5f * d1);   // rhos_p = [0.5] for order 2
        }
    }
}
