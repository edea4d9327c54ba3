using NativeWan.Lora;
using NativeWan.Models.Wan;
using NativeWan.Models.Wan.Cuda;

namespace NativeWan.Training;

/// <summary>
/// Where a DiT's training step runs: the float32 CPU reference (<see cref="CpuStepEngine"/>) or the CUDA kernels
/// (<see cref="CudaStepEngine"/>). Both compute the flow-matching loss of spec 4.1 and the LoRA gradients.
/// </summary>
public interface IDitStepEngine
{
    /// <summary>Where it runs, for logs ("cpu (float32 reference)", the GPU name…).</summary>
    string Device { get; }

    /// <summary>One forward/backward: fills (or adds to) <paramref name="grads"/> and returns the loss.</summary>
    float TrainStep(TrainingSample item, float[] noise, float sigma, float timestep, LoraNetwork lora, LoraGradients grads,
        bool accumulate, bool checkpointing);

    /// <summary>The loss only (evaluation); no gradient is kept.</summary>
    double Loss(TrainingSample item, float[] noise, float sigma, float timestep, LoraNetwork lora);
}

/// <summary>The float32 CPU reference (<see cref="WanDit"/>).</summary>
public sealed class CpuStepEngine(WanDit dit) : IDitStepEngine
{
    /// <inheritdoc/>
    public string Device => "cpu (float32 reference)";

    /// <inheritdoc/>
    public float TrainStep(TrainingSample item, float[] noise, float sigma, float timestep, LoraNetwork lora, LoraGradients grads,
        bool accumulate, bool checkpointing) =>
        dit.TrainStep(item.Latent, noise, item.Shape, sigma, timestep, item.Context, lora, grads, item.Cond ?? default,
            new WanTrainOptions { GradientCheckpointing = checkpointing, AccumulateGradients = accumulate }).Loss;

    /// <inheritdoc/>
    public double Loss(TrainingSample item, float[] noise, float sigma, float timestep, LoraNetwork lora)
    {
        var xt = new float[noise.Length];
        for (int j = 0; j < xt.Length; j++) xt[j] = (1f - sigma) * item.Latent[j] + sigma * noise[j];
        var pred = dit.Forward(xt, item.Shape, timestep, item.Context, item.Cond ?? default, lora);
        double se = 0;
        for (int j = 0; j < xt.Length; j++) { double d = pred[j] - (noise[j] - item.Latent[j]); se += d * d; }
        return se / xt.Length;
    }
}

/// <summary>The CUDA kernels (<see cref="WanDitCuda"/>: bf16 weights and activations, fp32 accumulation).</summary>
public sealed class CudaStepEngine(WanDitCuda dit, string device) : IDitStepEngine, IDisposable
{
    /// <summary>Frees the device copies of the weights and the step buffers.</summary>
    public void Dispose() => dit.Dispose();

    /// <inheritdoc/>
    public string Device => device;

    /// <inheritdoc/>
    public float TrainStep(TrainingSample item, float[] noise, float sigma, float timestep, LoraNetwork lora, LoraGradients grads,
        bool accumulate, bool checkpointing) =>
        dit.TrainStep(item.Latent, noise, item.Shape, sigma, timestep, item.Context, lora, grads, item.Cond ?? default,
            new WanCudaTrainOptions { GradientCheckpointing = checkpointing, AccumulateGradients = accumulate }).Loss;

    /// <inheritdoc/>
    public double Loss(TrainingSample item, float[] noise, float sigma, float timestep, LoraNetwork lora) =>
        dit.TrainStep(item.Latent, noise, item.Shape, sigma, timestep, item.Context, lora, new LoraGradients(lora), item.Cond ?? default).Loss;
}
