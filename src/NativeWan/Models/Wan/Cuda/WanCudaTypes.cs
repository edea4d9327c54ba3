namespace NativeWan.Models.Wan.Cuda;

/// <summary>Options of <see cref="WanDitCuda.TrainStep"/>.</summary>
public sealed record WanCudaTrainOptions
{
    /// <summary>Gradient checkpointing: the forward keeps only each block's input (fp32 [seq, dim] per block) and the
    /// backward recomputes the block into one shared activation set; false keeps every block's activations.
    /// Both launch the same kernels on the same values, so the results are identical.</summary>
    public bool GradientCheckpointing { get; init; } = true;
    /// <summary>Add this step's LoRA gradients to the host buffers instead of overwriting them.</summary>
    public bool AccumulateGradients { get; init; }
    /// <summary>Padded token count (≥ the latent's token count; padding keys are masked); null = no padding.</summary>
    public int? SeqLen { get; init; }
    /// <summary>Also compute d loss / d x_t and d loss / d x0 (one more GEMM through the patch embedding).</summary>
    public bool InputGradients { get; init; }
    /// <summary>Also download the prediction.</summary>
    public bool ReturnPrediction { get; init; }
}

/// <summary>Result of one GPU training step (spec 4.1).</summary>
/// <param name="Loss">mean((pred − (ε − x0))²), float64 sum on the device, rounded to float32.</param>
/// <param name="Prediction">The DiT output for x_t [out_dim, F, H, W] when asked for, else null.</param>
/// <param name="DLossDXt">d loss / d x_t (x_t as a leaf) [C, F, H, W] when <see cref="WanCudaTrainOptions.InputGradients"/>, else null.</param>
/// <param name="DLossDX0">Total d loss / d x0 [C, F, H, W] when <see cref="WanCudaTrainOptions.InputGradients"/>, else null.</param>
public sealed record WanCudaStepResult(float Loss, float[]? Prediction, float[]? DLossDXt, float[]? DLossDX0);
