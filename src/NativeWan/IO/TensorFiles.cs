using NativeWan.IO.SafeTensors;

namespace NativeWan.IO;

/// <summary>Opens any supported checkpoint file as an <see cref="ITensorSource"/>, chosen by its name.</summary>
public static class TensorFiles
{
    /// <summary>
    /// <c>*.safetensors</c> → <see cref="SafeTensorsFile"/>; <c>*.index.json</c> → <see cref="ShardedSafeTensors"/>;
    /// <c>*.pth</c>/<c>*.pt</c>/<c>*.ckpt</c> → the restricted PyTorch zip reader.
    /// </summary>
    /// <param name="stripPrefix">Name prefix removed where present (e.g. <c>model.diffusion_model.</c>); null keeps names.</param>
    /// <exception cref="ModelFileException">Unknown extension or malformed file.</exception>
    public static ITensorSource Open(string path, string? stripPrefix = null)
    {
        var lower = path.ToLowerInvariant();
        if (lower.EndsWith(".index.json")) return ShardedSafeTensors.Open(path, stripPrefix);
        if (lower.EndsWith(".safetensors") || lower.EndsWith(".sft")) return SafeTensorsFile.Open(path, stripPrefix);
        if (lower.EndsWith(".pth") || lower.EndsWith(".pt") || lower.EndsWith(".ckpt") || lower.EndsWith(".bin"))
            return OpenPth(path, stripPrefix);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        throw new ModelFileException(path, null, "unknown file type (expected .safetensors, .safetensors.index.json or .pth)");
    }

    static ITensorSource OpenPth(string path, string? stripPrefix) => Pth.PthFile.Open(path, stripPrefix);
}
