namespace NativeWan.Training;

/// <summary>What one optimizer step did, reported to the progress display and the metrics log.</summary>
/// <param name="Step">Optimizer steps completed (1-based after the step).</param>
/// <param name="Epoch">Passes over the dataset begun (0-based).</param>
/// <param name="Loss">Mean flow-matching loss over the step's micro-batches.</param>
/// <param name="LearningRate">Learning rate used.</param>
/// <param name="GradNorm">Global gradient norm before clipping.</param>
/// <param name="Expert">The expert trained in this step.</param>
/// <param name="Timesteps">DiT timesteps of the micro-batches.</param>
/// <param name="Seconds">Wall time of the step.</param>
public sealed record TrainProgress(int Step, int Epoch, double Loss, double LearningRate, double GradNorm, ExpertRole Expert,
    IReadOnlyList<float> Timesteps, double Seconds);
