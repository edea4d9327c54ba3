using NativeWan.Lora;
using NativeWan.Models.Wan;
using NativeWan.Models.Wan.Cuda;
using NativeWan.Ops.Cuda;
using NativeWan.Tests.Ops.Cuda;

namespace NativeWan.Tests.Models.Wan.Cuda;

/// <summary>
/// Bad inputs to <see cref="WanDitCuda.TrainStep"/> are rejected with a clear message before any launch (the emulator
/// backend is only used for its memory here, so these run without a C++ compiler).
/// </summary>
[Collection("cuda emulator")]
public sealed class WanDitCudaValidationTests
{
    static (GoldenTrainCase C, EmulatorBackend Backend, WanDitCuda Dit) Make()
    {
        var c = GoldenCases.Open("dit_t2v.safetensors");
        var backend = new EmulatorBackend();
        return (c, backend, new WanDitCuda(c.Dit, backend, new SimpleGemm(backend)));
    }

    [Fact]
    public void BadShapesAndLoraAreRejectedBeforeAnyLaunch()
    {
        var (c, backend, dit) = Make();
        using (c) using (backend) using (dit)
        {
            var grads = new LoraGradients(c.Lora);
            ArgumentException Step(Action a) => Assert.ThrowsAny<ArgumentException>(a);

            var e = Step(() => dit.TrainStep(c.X0.AsSpan(1), c.Noise, c.Shape, c.Sigma, c.T, c.Context, c.Lora, grads));
            Assert.Contains("x0 has", e.Message);
            e = Step(() => dit.TrainStep(c.X0, c.Noise.AsSpan(1), c.Shape, c.Sigma, c.T, c.Context, c.Lora, grads));
            Assert.Contains("noise has", e.Message);
            var wrongChannels = c.Shape with { Channels = c.Shape.Channels / 2, Frames = c.Shape.Frames * 2 };
            e = Step(() => dit.TrainStep(c.X0, c.Noise, wrongChannels, c.Sigma, c.T, c.Context, c.Lora, grads));
            Assert.Contains("channels", e.Message);
            e = Step(() => dit.TrainStep(c.X0, c.Noise, c.Shape, c.Sigma, c.T, c.Context, c.Lora, grads, cond: new float[5]));
            Assert.Contains("takes no conditioning", e.Message);
            e = Step(() => dit.TrainStep(c.X0, c.Noise, c.Shape, c.Sigma, c.T, c.Context.AsSpan(1), c.Lora, grads));
            Assert.Contains("text_dim", e.Message);
            var tooLong = new float[(c.Dit.Config.TextLen + 1) * c.Dit.Config.TextDim];
            e = Step(() => dit.TrainStep(c.X0, c.Noise, c.Shape, c.Sigma, c.T, tooLong, c.Lora, grads));
            Assert.Contains("more than text_len", e.Message);
            e = Step(() => dit.TrainStep(c.X0, c.Noise, c.Shape, c.Sigma, c.T, c.Context, c.Lora, grads, options: new WanCudaTrainOptions { SeqLen = 3 }));
            Assert.Contains("SeqLen 3 is below", e.Message);

            var misfit = new LoraNetwork();
            misfit.Add(new LoraModule("blocks.0.ffn.0", c.Dit.Config.Dim + 1, c.Dit.Config.FfnDim, 2, 2f));
            e = Step(() => dit.TrainStep(c.X0, c.Noise, c.Shape, c.Sigma, c.T, c.Context, misfit, new LoraGradients(misfit)));
            Assert.Contains("LoRA module 'blocks.0.ffn.0'", e.Message);

            var other = new LoraNetwork();
            other.Add(new LoraModule("blocks.1.ffn.2", c.Dit.Config.FfnDim, c.Dit.Config.Dim, 2, 2f));
            e = Step(() => dit.TrainStep(c.X0, c.Noise, c.Shape, c.Sigma, c.T, c.Context, c.Lora, new LoraGradients(other)));
            Assert.Contains("no gradient buffer for LoRA module", e.Message);

            Assert.Empty(backend.LaunchCounts);
        }
    }
}
