using System.Text.Json;
using NativeWan.IO;
using NativeWan.IO.SafeTensors;
using NativeWan.Lora;

namespace NativeWan.Models.Wan.Cuda;

/// <summary>
/// One golden DiT file (golden/README.md: <c>dit_t2v.safetensors</c>, <c>dit_i2v.safetensors</c>) opened for a
/// training step: the float32 CPU model, the file's musubi LoRA with its multiplier, and the training inputs. The
/// expected outputs stay in the file (<see cref="F"/>): <c>out.train.loss</c>, <c>out.train.pred</c>,
/// <c>grad.train.x_t</c>, <c>grad.train.x0</c> and <c>grad.lora_unet_*.lora_down/up.weight</c>.
/// </summary>
/// <remarks>Every size is taken from the file (the latent shape from <c>in.train.x0</c> [C, F, H, W]). Keeps the file
/// open until <see cref="Dispose"/>.</remarks>
public sealed class GoldenTrainCase : IDisposable
{
    /// <summary>The open golden file.</summary>
    public required SafeTensorsFile Src { get; init; }
    /// <summary>The CPU reference model of the file's weights.</summary>
    public required WanDit Dit { get; init; }
    /// <summary>The file's LoRA (<c>lora_unet_*</c>), multiplier from the <c>lora</c> metadata.</summary>
    public required LoraNetwork Lora { get; init; }
    /// <summary>Latent shape of <c>in.train.x0</c>.</summary>
    public required LatentShape Shape { get; init; }
    /// <summary>Clean latent [C, F, H, W] (<c>in.train.x0</c>).</summary>
    public required float[] X0 { get; init; }
    /// <summary>Noise, same shape (<c>in.train.noise</c>).</summary>
    public required float[] Noise { get; init; }
    /// <summary>Text context [tokens, text_dim] (<c>in.context</c>).</summary>
    public required float[] Context { get; init; }
    /// <summary>I2V conditioning (<c>in.y</c>), empty for T2V.</summary>
    public required float[] Cond { get; init; }
    /// <summary>σ (<c>in.train.sigma</c>).</summary>
    public required float Sigma { get; init; }
    /// <summary>The DiT timestep (<c>in.train.t</c>, musubi: 1000σ + 1).</summary>
    public required float T { get; init; }

    /// <summary>Opens a golden DiT file and reads the model, the LoRA and the training inputs.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="ModelFileException">A tensor is missing or malformed (the message names the file and tensor): e.g.
    /// <c>in.train.x0</c> not 4-d, noise of another size, a LoRA module the model does not have, or no LoRA at all.</exception>
    public static GoldenTrainCase Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"golden file not found: {path}", path);
        var src = SafeTensorsFile.Open(path);
        try
        {
            var dit = WanDit.Load(src);
            var xs = src.Get("in.train.x0").Shape;
            if (xs.Length != 4) throw new ModelFileException(path, "in.train.x0", $"shape [{string.Join(", ", xs)}] is not [C, F, H, W]");
            var shape = new LatentShape((int)xs[0], (int)xs[1], (int)xs[2], (int)xs[3]);
            var c = new GoldenTrainCase
            {
                Src = src, Dit = dit, Lora = LoadLora(src, dit), Shape = shape,
                X0 = src.ReadFloat32("in.train.x0"), Noise = src.ReadFloat32("in.train.noise", xs), Context = src.ReadFloat32("in.context"),
                Cond = src.Contains("in.y") ? src.ReadFloat32("in.y") : [],
                Sigma = Scalar(src, "in.train.sigma"), T = Scalar(src, "in.train.t"),
            };
            return c;
        }
        catch { src.Dispose(); throw; }
    }

    /// <summary>
    /// The file's musubi LoRA (<c>lora_unet_*</c>) read with <see cref="LoraFile.Load(ITensorSource, LoraLoadOptions?)"/>,
    /// with <c>multiplier</c> from the <c>lora</c> metadata JSON when present.
    /// </summary>
    /// <exception cref="ModelFileException">No LoRA tensors, a module that did not load, or a module not in <paramref name="dit"/>.</exception>
    public static LoraNetwork LoadLora(ITensorSource src, WanDit dit)
    {
        ArgumentNullException.ThrowIfNull(src); ArgumentNullException.ThrowIfNull(dit);
        int inFile = src.Tensors.Count(t => t.Name.StartsWith("lora_unet_", StringComparison.Ordinal) && t.Name.EndsWith(".lora_down.weight", StringComparison.Ordinal));
        if (inFile == 0) throw new ModelFileException(src.SourcePath, "lora_unet_*", "the golden file holds no LoRA tensors");
        var net = LoraFile.Load(src).Network;
        if (src.Metadata.TryGetValue("lora", out var json))
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("multiplier", out var mul))
                net.Multiplier = mul.GetSingle();
        }
        if (net.Modules.Count != inFile)
            throw new ModelFileException(src.SourcePath, "lora_unet_*", $"{inFile} LoRA modules in the file but {net.Modules.Count} loaded");
        var targets = dit.LoraTargets.ToHashSet(StringComparer.Ordinal);
        foreach (var m in net.Modules)
            if (!targets.Contains(m.ModulePath))
                throw new ModelFileException(src.SourcePath, LoraKeyOf(m.ModulePath), $"LoRA module '{m.ModulePath}' is not a Linear of the model");
        return net;
    }

    /// <summary>The musubi key prefix of a module path (<c>blocks.0.ffn.0</c> → <c>lora_unet_blocks_0_ffn_0</c>).</summary>
    public static string LoraKeyOf(string modulePath) => LoraKeys.ModuleKey(modulePath, LoraFormat.Musubi);

    static float Scalar(ITensorSource src, string name)
    {
        var v = src.ReadFloat32(name);
        if (v.Length != 1) throw new ModelFileException(src.SourcePath, name, $"{v.Length} values where one scalar was expected");
        return v[0];
    }

    /// <summary>A tensor of the file as float32 (expected outputs, gradients).</summary>
    /// <exception cref="ModelFileException">No such tensor.</exception>
    public float[] F(string name) => Src.ReadFloat32(name);

    /// <summary>File name without folder ("dit_t2v.safetensors").</summary>
    public string Name => Path.GetFileName(Src.SourcePath);

    /// <summary>Number of DiT blocks.</summary>
    public int Layers => Dit.Config.NumLayers;

    /// <summary>The step on the device: checkpointed, with input gradients and the prediction unless <paramref name="options"/> says otherwise.</summary>
    public WanCudaStepResult Gpu(WanDitCuda dit, LoraGradients grads, WanCudaTrainOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dit);
        return dit.TrainStep(X0, Noise, Shape, Sigma, T, Context, Lora, grads, Cond,
            options ?? new WanCudaTrainOptions { InputGradients = true, ReturnPrediction = true });
    }

    /// <summary>The float32 CPU reference step.</summary>
    public WanTrainStepResult Cpu(LoraGradients grads) =>
        Dit.TrainStep(X0, Noise, Shape, Sigma, T, Context, Lora, grads, Cond);

    /// <inheritdoc/>
    public void Dispose() => Src.Dispose();
}
