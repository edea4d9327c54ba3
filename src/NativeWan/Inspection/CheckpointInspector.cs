using System.Text.Json;
using System.Text.RegularExpressions;
using NativeWan.IO;
using NativeWan.Numerics;

namespace NativeWan.Inspection;

/// <summary>
/// Recognizes Wan 2.x checkpoints from tensor names and shapes alone (spec wan-architecture.md sections 2.8–2.10,
/// 5.1, 6.3, 7, 8): the DiT (t2v / i2v / ti2v from <c>patch_embedding</c>'s in_dim), the Wan 2.1/2.2 VAE, the umT5
/// encoder (official or HF/ComfyUI names, embedded <c>spiece_model</c> tokenizer), LoRA files and fp8 scaled weights.
/// </summary>
public static partial class CheckpointInspector
{
    const string ComfyPrefix = "model.diffusion_model.";

    /// <summary>Opens <paramref name="path"/> (any format <see cref="TensorFiles.Open"/> reads) and inspects it.</summary>
    /// <exception cref="ModelFileException">The file is malformed or refused.</exception>
    public static CheckpointReport Inspect(string path)
    {
        using var src = TensorFiles.Open(path);
        return Inspect(src);
    }

    /// <summary>Inspects an open tensor source.</summary>
    public static CheckpointReport Inspect(ITensorSource src)
    {
        var found = new List<Recognition>();
        var names = src.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        if (Dit(names, src.Metadata) is { } dit) found.Add(dit);
        if (Vae(names) is { } vae) found.Add(vae);
        if (UmT5(names) is { } t5) found.Add(t5);
        if (names.TryGetValue("spiece_model", out var sp) && sp.DType == DType.U8)
            found.Add(new("sentencepiece", $"embedded SentencePiece tokenizer model ({sp.ByteLength:N0} bytes, tensor 'spiece_model')",
                new Dictionary<string, string> { ["bytes"] = sp.ByteLength.ToString() }));
        if (Lora(src) is { } lora) found.Add(lora);
        if (Fp8(names) is { } fp8) found.Add(fp8);
        if (names.Keys.Any(n => n.StartsWith("out.", StringComparison.Ordinal) || n.StartsWith("in.", StringComparison.Ordinal)))
            found.Add(new("golden", "golden reference tensors (in.*/out.*) alongside the weights", new Dictionary<string, string>()));
        return new CheckpointReport(src.SourcePath, src.Tensors, src.Metadata, found);
    }

    static TensorInfo? Find(Dictionary<string, TensorInfo> n, string key) =>
        n.TryGetValue(key, out var t) ? t : n.TryGetValue(ComfyPrefix + key, out t) ? t : null;

    [GeneratedRegex(@"^(?:model\.diffusion_model\.)?blocks\.(\d+)\.")]
    private static partial Regex DitBlock();

    static Recognition? Dit(Dictionary<string, TensorInfo> n, IReadOnlyDictionary<string, string> meta)
    {
        var headMod = Find(n, "head.modulation");
        var pe = Find(n, "patch_embedding.weight");
        bool diffusers = false;
        if (headMod is null && n.TryGetValue("scale_shift_table", out var sst) && n.ContainsKey("condition_embedder.time_proj.weight"))
        {
            headMod = sst;
            diffusers = true;
        }
        if (headMod is null || pe is null || pe.Shape.Length != 5) return null;
        long dim = headMod.Shape[^1];
        long inDim = pe.Shape[1];
        int layers = n.Keys.Select(k => DitBlock().Match(k)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value)).Distinct().Count();
        var ffn = Find(n, diffusers ? "blocks.0.ffn.net.0.proj.weight" : "blocks.0.ffn.0.weight");
        var head = Find(n, diffusers ? "proj_out.weight" : "head.head.weight");
        var text = Find(n, diffusers ? "condition_embedder.text_embedder.linear_1.weight" : "text_embedding.0.weight");
        var time = Find(n, diffusers ? "condition_embedder.time_embedder.linear_1.weight" : "time_embedding.0.weight");
        long patchVol = pe.Shape[2] * pe.Shape[3] * pe.Shape[4];
        long outDim = head is null ? 0 : head.Shape[0] / Math.Max(1, patchVol);
        long heads = HeadsFromConfig(meta) ?? (dim % 128 == 0 ? dim / 128 : 0);
        string type = n.ContainsKey("img_emb.proj.0.bias") || Find(n, "img_emb.proj.0.bias") != null ? "i2v (Wan 2.1, CLIP image branch)"
            : inDim switch { 16 => "t2v", 36 => "i2v", 48 => "ti2v", _ => $"unknown type (in_dim {inDim})" };
        var p = new Dictionary<string, string>
        {
            ["model_type"] = type.Split(' ')[0],
            ["dim"] = dim.ToString(),
            ["ffn_dim"] = ffn?.Shape[0].ToString() ?? "?",
            ["num_layers"] = layers.ToString(),
            ["num_heads"] = heads.ToString(),
            ["in_dim"] = inDim.ToString(),
            ["out_dim"] = outDim.ToString(),
            ["text_dim"] = text?.Shape[^1].ToString() ?? "?",
            ["freq_dim"] = time?.Shape[^1].ToString() ?? "?",
            ["patch_size"] = $"{pe.Shape[2]},{pe.Shape[3]},{pe.Shape[4]}",
            ["names"] = diffusers ? "diffusers" : n.ContainsKey("head.modulation") ? "official" : "comfyui (model.diffusion_model.)",
            ["weight_dtype"] = (Find(n, "blocks.0.self_attn.q.weight") ?? pe).DType.Name(),
        };
        string size = dim == 5120 && layers == 40 ? " 14B (A14B expert)" : dim == 3072 && layers == 30 ? " 5B" : "";
        return new("wan-dit",
            $"Wan DiT {type}{size}: dim {dim}, ffn_dim {p["ffn_dim"]}, {layers} layers, {heads} heads, in_dim {inDim}, out_dim {outDim}, text_dim {p["text_dim"]}, freq_dim {p["freq_dim"]} ({p["names"]} names, {p["weight_dtype"]})",
            p);
    }

    static long? HeadsFromConfig(IReadOnlyDictionary<string, string> meta)
    {
        if (!meta.TryGetValue("config", out var cfg)) return null;
        try
        {
            using var d = JsonDocument.Parse(cfg);
            return d.RootElement.ValueKind == JsonValueKind.Object && d.RootElement.TryGetProperty("num_heads", out var h) && h.TryGetInt64(out var v) ? v : null;
        }
        catch (JsonException) { return null; }
    }

    static Recognition? Vae(Dictionary<string, TensorInfo> n)
    {
        string pre = n.ContainsKey("encoder.conv1.weight") ? "" : n.ContainsKey("first_stage_model.encoder.conv1.weight") ? "first_stage_model." : n.ContainsKey("vae.encoder.conv1.weight") ? "vae." : "";
        if (!n.TryGetValue(pre + "encoder.conv1.weight", out var enc) || !n.TryGetValue(pre + "decoder.conv1.weight", out var dec)) return null;
        if (!n.TryGetValue(pre + "conv1.weight", out var q) || enc.Shape.Length != 5) return null;
        long z = q.Shape[0] / 2;
        long baseDim = enc.Shape[0];
        int encTensors = n.Keys.Count(k => k.StartsWith(pre + "encoder.", StringComparison.Ordinal));
        string ver = z == 16 ? "Wan 2.1 VAE" : z == 48 ? "Wan 2.2 VAE" : $"Wan-style VAE (z_dim {z})";
        return new("wan-vae", $"{ver}: z_dim {z}, base dim {baseDim}, input channels {enc.Shape[1]}, {n.Count} tensors",
            new Dictionary<string, string> { ["z_dim"] = z.ToString(), ["dim"] = baseDim.ToString(), ["in_channels"] = enc.Shape[1].ToString(), ["encoder_tensors"] = encTensors.ToString(), ["version"] = z == 48 ? "2.2" : "2.1" });
    }

    [GeneratedRegex(@"^(?:encoder\.block|blocks)\.(\d+)\.")]
    private static partial Regex T5Block();

    static Recognition? UmT5(Dictionary<string, TensorInfo> n)
    {
        bool official = n.ContainsKey("token_embedding.weight") && n.ContainsKey("blocks.0.attn.q.weight");
        bool hf = n.ContainsKey("encoder.block.0.layer.0.SelfAttention.q.weight");
        if (!official && !hf) return null;
        var emb = n.GetValueOrDefault(official ? "token_embedding.weight" : "shared.weight") ?? n.GetValueOrDefault("encoder.embed_tokens.weight");
        var q = n[official ? "blocks.0.attn.q.weight" : "encoder.block.0.layer.0.SelfAttention.q.weight"];
        var ffn = n.GetValueOrDefault(official ? "blocks.0.ffn.fc1.weight" : "encoder.block.0.layer.1.DenseReluDense.wi_1.weight");
        var pos = n.GetValueOrDefault(official ? "blocks.0.pos_embedding.embedding.weight" : "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight");
        int layers = n.Keys.Select(k => T5Block().Match(k)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value)).Distinct().Count();
        bool perLayerPos = official ? n.ContainsKey("blocks.1.pos_embedding.embedding.weight") : n.ContainsKey("encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight");
        var p = new Dictionary<string, string>
        {
            ["names"] = official ? "official" : "hf/comfyui",
            ["dim"] = q.Shape[^1].ToString(),
            ["inner_dim"] = q.Shape[0].ToString(),
            ["ffn_dim"] = ffn?.Shape[0].ToString() ?? "?",
            ["num_layers"] = layers.ToString(),
            ["num_heads"] = pos?.Shape[^1].ToString() ?? "?",
            ["num_buckets"] = pos?.Shape[0].ToString() ?? "?",
            ["vocab"] = emb?.Shape[0].ToString() ?? "?",
            ["relative_bias"] = perLayerPos ? "per layer (umT5)" : "shared (T5)",
            ["weight_dtype"] = q.DType.Name(),
            ["tokenizer_embedded"] = n.ContainsKey("spiece_model") ? "yes" : "no",
        };
        string what = perLayerPos ? "umT5 encoder" : "T5 encoder";
        return new("umt5-encoder",
            $"{what}: dim {p["dim"]}, {layers} layers, {p["num_heads"]} heads, ffn {p["ffn_dim"]}, vocab {p["vocab"]}, relative bias {p["relative_bias"]} ({p["names"]} names, {p["weight_dtype"]}); tokenizer embedded: {p["tokenizer_embedded"]}",
            p);
    }

    static Recognition? Lora(ITensorSource src)
    {
        if (NativeWan.Lora.LoraFileInfo.Detect(src) is not { } info || info.ModuleCount == 0) return null;
        var p = new Dictionary<string, string>
        {
            ["format"] = info.Format,
            ["modules"] = info.ModuleCount.ToString(),
            ["blocks"] = info.BlockCount.ToString(),
            ["rank"] = string.Join(",", info.Ranks),
            ["alpha"] = string.Join(",", info.Alphas.Select(a => a.ToString("G6", System.Globalization.CultureInfo.InvariantCulture))),
            ["modules_without_alpha"] = info.ModulesWithoutAlpha.ToString(),
            ["dtype"] = string.Join(",", info.DTypes),
            ["parameters"] = info.ParameterCount.ToString(),
            ["unused_keys"] = info.UnusedKeyCount.ToString(),
        };
        string alpha = info.Alphas.Count == 0 ? "no alpha (alpha = rank)" : $"alpha {p["alpha"]}";
        return new("lora", $"LoRA ({info.Format}): {info.ModuleCount} modules in {info.BlockCount} blocks, rank {p["rank"]}, {alpha}, {p["dtype"]}, {info.ParameterCount:N0} parameters" +
            (info.UnusedKeyCount > 0 ? $"; {info.UnusedKeyCount} keys map to no Wan module" : ""), p);
    }

    static Recognition? Fp8(Dictionary<string, TensorInfo> n)
    {
        int fp8 = n.Values.Count(t => t.DType is DType.F8_E4M3 or DType.F8_E5M2);
        int scales = n.Keys.Count(k => k.EndsWith(".scale_weight", StringComparison.Ordinal) || k.EndsWith(".weight_scale", StringComparison.Ordinal));
        bool marker = n.ContainsKey("scaled_fp8") || n.ContainsKey(ComfyPrefix + "scaled_fp8");
        if (fp8 == 0 && scales == 0 && !marker) return null;
        string scaleShape = n.Values.FirstOrDefault(t => t.Name.EndsWith(".scale_weight") || t.Name.EndsWith(".weight_scale")) is { } s
            ? (s.ElementCount == 1 ? "per-tensor" : s.Shape.Length == 3 ? "block-wise" : "per-channel") : "none";
        return new("fp8-scaled",
            $"fp8 weights: {fp8} fp8 tensors, {scales} scale tensors ({scaleShape}){(marker ? ", ComfyUI scaled_fp8 marker" : "")}",
            new Dictionary<string, string> { ["fp8_tensors"] = fp8.ToString(), ["scale_tensors"] = scales.ToString(), ["scale_layout"] = scaleShape, ["scaled_fp8_marker"] = marker ? "yes" : "no" });
    }
}
