using NativeWan.Lora;
using static NativeWan.Ops.Cpu.CpuOps;

namespace NativeWan.Models.Wan;

public sealed partial class WanDit
{
    /// <summary>
    /// One LoRA training step with the flow-matching objective (spec 4.1, golden README "Training loss"):
    /// <c>x_t = (1 − σ)·x0 + σ·ε</c>, <c>pred = DiT(x_t, t, context[, y])</c> with LoRA,
    /// <c>loss = mean((pred − (ε − x0))²)</c>, then the backward pass with every base weight frozen.
    /// </summary>
    /// <param name="x0">Clean latent [C, F, H, W].</param>
    /// <param name="noise">ε, same shape.</param>
    /// <param name="shape">Latent shape.</param>
    /// <param name="sigma">σ ∈ [0, 1].</param>
    /// <param name="timestep">The DiT timestep, used as given (musubi: 1000σ + 1 for most samplers).</param>
    /// <param name="context">Text embeddings [rows, text_dim].</param>
    /// <param name="lora">Trainable adapters.</param>
    /// <param name="grads">Receives d loss / d Down and d loss / d Up of every module (cleared first unless
    /// <see cref="WanTrainOptions.AccumulateGradients"/>).</param>
    /// <param name="cond">I2V conditioning y, empty otherwise.</param>
    /// <param name="options">Checkpointing, accumulation, padding.</param>
    /// <exception cref="ArgumentException">Inconsistent shapes, or a module without a gradient buffer.</exception>
    public WanTrainStepResult TrainStep(ReadOnlySpan<float> x0, ReadOnlySpan<float> noise, LatentShape shape, float sigma, float timestep,
        ReadOnlySpan<float> context, LoraNetwork lora, LoraGradients grads, ReadOnlySpan<float> cond = default, WanTrainOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(lora); ArgumentNullException.ThrowIfNull(grads);
        options ??= new WanTrainOptions();
        int n = checked((int)shape.Elements);
        if (x0.Length != n) throw new ArgumentException($"x0 has {x0.Length} elements, shape {shape} needs {n}", nameof(x0));
        if (noise.Length != n) throw new ArgumentException($"noise has {noise.Length} elements, shape {shape} needs {n}", nameof(noise));
        if (!options.AccumulateGradients) grads.Clear();

        // x_t and target (float32, same evaluation order as musubi)
        var xt = new float[n];
        var target = new float[n];
        for (int j = 0; j < n; j++)
        {
            xt[j] = (1f - sigma) * x0[j] + sigma * noise[j];
            target[j] = noise[j] - x0[j];
        }

        // forward
        var s = Prepare(xt, shape, timestep, context, cond, lora, options.SeqLen, null);
        var ws = s.Ws;
        int layers = Config.NumLayers;
        var acts = options.GradientCheckpointing ? null : ws.EnsurePerBlock();
        for (int i = 0; i < layers; i++)
            BlockForward(i, acts?[i] ?? ws.Shared, ws.X(i), ws.X(i + 1), s, null);
        var headOut = new float[(long)s.L * s.HeadWidth];
        HeadForward(ws.X(layers), headOut, s);
        var pred = new float[n];
        UnpatchifyForward(pred, headOut, s.OutGeometry, channelInnermost: true);

        // loss and d loss / d pred = 2(pred − target)/N
        double sum = 0;
        var dPred = new float[n];
        for (int j = 0; j < n; j++)
        {
            float diff = pred[j] - target[j];
            sum += (double)diff * diff;
            dPred[j] = 2f * diff / n;
        }
        float loss = (float)(sum / n);

        // backward: head, blocks (recomputed when checkpointing), patch embedding
        var dHead = new float[(long)s.L * s.HeadWidth];
        UnpatchifyBackward(dHead, dPred, s.OutGeometry, channelInnermost: true);
        var g = ws.EnsureGrads();
        HeadBackward(ws.X(layers), dHead, g.DX, s);
        for (int i = layers - 1; i >= 0; i--)
        {
            var a = acts?[i] ?? ws.Shared;
            if (acts == null) BlockForward(i, a, ws.X(i), ws.Branch2(), s, null);
            BlockBackward(i, a, ws.X(i), g.DX, s, grads);
        }
        var pe = Weights.PatchEmbedding;
        var dTokens = new float[(long)s.L * pe.In];
        LinearBackward(dTokens, default, default, default, g.DX.AsSpan(0, s.L * pe.Out), default, pe.Weight, default, default, default, 0,
            s.L, pe.In, pe.Out, 0);
        var dIn = new float[s.InGeometry.LatentElements];
        PatchifyBackward(dIn, dTokens, s.InGeometry, channelInnermost: false);
        var dxt = dIn.AsSpan(0, n).ToArray();
        var dx0 = new float[n];
        for (int j = 0; j < n; j++) dx0[j] = (1f - sigma) * dxt[j] + dPred[j];
        return new WanTrainStepResult(loss, pred, xt, dxt, dx0);
    }
}
