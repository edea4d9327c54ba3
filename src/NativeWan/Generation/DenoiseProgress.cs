using NativeWan.Sampling;

namespace NativeWan.Generation;

/// <summary>Reported after each denoising step.</summary>
/// <param name="Step">0-based index of the step just taken.</param>
/// <param name="Steps">Total steps N.</param>
/// <param name="Timestep">DiT timestep of the step (0…1000).</param>
/// <param name="Expert">The expert side of the step (which model ran, see <see cref="GenerationExperts.For"/>).</param>
/// <param name="Guidance">CFG scale used (1 = no unconditional pass).</param>
/// <param name="Elapsed">Time since the loop started.</param>
/// <param name="Latent">x_{i+1} after the step, [C, F, H, W]; only valid during the callback.</param>
public readonly record struct DenoiseProgress(int Step, int Steps, double Timestep, WanExpert Expert, float Guidance, TimeSpan Elapsed, ReadOnlyMemory<float> Latent);
