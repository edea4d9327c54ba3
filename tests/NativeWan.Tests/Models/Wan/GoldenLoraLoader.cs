using System.Text.Json;
using NativeWan.IO;
using NativeWan.Lora;
using NativeWan.Models.Wan;

namespace NativeWan.Tests.Models.Wan;

/// <summary>
/// Minimal test-only reader of musubi-named LoRA tensors (<c>lora_unet_blocks_N_self_attn_q.lora_down.weight</c> …)
/// stored in the golden DiT files; the real loader lives in NativeWan.Lora.
/// </summary>
internal static class GoldenLoraLoader
{
    public static LoraNetwork Load(ITensorSource src, WanDit dit)
    {
        var net = new LoraNetwork();
        foreach (var path in dit.LoraTargets)
        {
            string name = "lora_unet_" + path.Replace('.', '_');
            if (!src.Contains(name + ".lora_down.weight")) continue;
            var ds = src.Get(name + ".lora_down.weight").Shape;
            var us = src.Get(name + ".lora_up.weight").Shape;
            int rank = (int)ds[0];
            float alpha = src.Contains(name + ".alpha") ? src.ReadFloat32(name + ".alpha")[0] : rank;
            net.Add(new LoraModule(path, (int)ds[1], (int)us[0], rank, alpha,
                src.ReadFloat32(name + ".lora_down.weight"), src.ReadFloat32(name + ".lora_up.weight")));
        }
        if (src.Metadata.TryGetValue("lora", out var json) &&
            JsonDocument.Parse(json).RootElement.TryGetProperty("multiplier", out var mul))
            net.Multiplier = mul.GetSingle();
        int inFile = src.Tensors.Count(t => t.Name.StartsWith("lora_unet_") && t.Name.EndsWith(".lora_down.weight"));
        Assert.True(inFile > 0, "golden file holds no LoRA tensors");
        Assert.Equal(inFile, net.Modules.Count);
        return net;
    }

    /// <summary>musubi key prefix of a module path.</summary>
    public static string KeyOf(string modulePath) => "lora_unet_" + modulePath.Replace('.', '_');
}
