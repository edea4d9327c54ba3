using System.Text.Json;
using NativeWan.IO;
using NativeWan.Lora;
using NativeWan.Models.Wan;

namespace NativeWan.Tests.Models.Wan;

/// <summary>The golden DiT files' musubi LoRA (<c>lora_unet_*</c>), read with the real loader, plus the file's multiplier.</summary>
internal static class GoldenLoraLoader
{
    public static LoraNetwork Load(ITensorSource src, WanDit dit)
    {
        var net = LoraFile.Load(src).Network;
        if (src.Metadata.TryGetValue("lora", out var json) &&
            JsonDocument.Parse(json).RootElement.TryGetProperty("multiplier", out var mul))
            net.Multiplier = mul.GetSingle();
        int inFile = src.Tensors.Count(t => t.Name.StartsWith("lora_unet_") && t.Name.EndsWith(".lora_down.weight"));
        Assert.True(inFile > 0, "golden file holds no LoRA tensors");
        Assert.Equal(inFile, net.Modules.Count);
        Assert.All(net.Modules, m => Assert.Contains(m.ModulePath, dit.LoraTargets));
        return net;
    }

    /// <summary>musubi key prefix of a module path.</summary>
    public static string KeyOf(string modulePath) => LoraKeys.ModuleKey(modulePath, LoraFormat.Musubi);
}
