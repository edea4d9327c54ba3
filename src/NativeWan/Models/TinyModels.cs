using NativeWan.Models.T5;
using NativeWan.Models.Vae;
using NativeWan.Models.Wan;
using NativeWan.Text;

namespace NativeWan.Models;

/// <summary>
/// The shipped tiny example's models: the real Wan 2.2 A14B architectures (two DiT experts, the Wan 2.1 VAE layout,
/// umT5 with the tokenizer embedded as ComfyUI does) at tiny sizes, with deterministic random weights, so the whole
/// pipeline (cache → train → LoRA files) runs on a CPU in minutes. Nothing is downloaded.
/// </summary>
public static class TinyModels
{
    /// <summary>File names written into the output folder.</summary>
    public const string DitLowNoise = "wan2.2_t2v_low_noise_tiny.safetensors",
        DitHighNoise = "wan2.2_t2v_high_noise_tiny.safetensors",
        DitI2vLowNoise = "wan2.2_i2v_low_noise_tiny.safetensors",
        DitI2vHighNoise = "wan2.2_i2v_high_noise_tiny.safetensors",
        Vae = "wan2.1_vae_tiny.safetensors",
        UmT5 = "umt5_tiny_with_tokenizer.safetensors";

    /// <summary>umT5 width of the tiny models (= the DiT's text_dim).</summary>
    public const int TextDim = 32;

    /// <summary>The tiny DiT configuration (dim 64, 2 layers, 2 heads of 32, text_len 64).</summary>
    public static WanConfig DitConfig(WanModelType type) => new()
    {
        ModelType = type, Dim = 64, FfnDim = 128, InDim = type == WanModelType.I2V ? 36 : 16, OutDim = 16, NumLayers = 2,
        NumHeads = 2, TextDim = TextDim, FreqDim = 64, TextLen = 64, PatchSize = (1, 2, 2),
    };

    /// <summary>
    /// Writes the six model files into <paramref name="directory"/> (created if needed) from <paramref name="seed"/>;
    /// the same seed and tokenizer give byte-identical files. Returns the paths written.
    /// </summary>
    /// <param name="spieceModel">SentencePiece model bytes to embed; the umT5 vocabulary is its piece count.</param>
    public static IReadOnlyList<string> Write(string directory, byte[] spieceModel, ulong seed = 2026)
    {
        Directory.CreateDirectory(directory);
        var tok = SentencePieceModel.Load(spieceModel, "spiece.model");
        var written = new List<string>();
        void Save(NativeWan.IO.SafeTensors.SafeTensorsWriter w, string name)
        {
            var p = Path.Combine(directory, name);
            w.Save(p);
            written.Add(p);
        }
        Save(WanRandomInit.Create(DitConfig(WanModelType.T2V), seed + 1), DitLowNoise);
        Save(WanRandomInit.Create(DitConfig(WanModelType.T2V), seed + 2), DitHighNoise);
        Save(WanRandomInit.Create(DitConfig(WanModelType.I2V), seed + 3), DitI2vLowNoise);
        Save(WanRandomInit.Create(DitConfig(WanModelType.I2V), seed + 4), DitI2vHighNoise);
        Save(WanVaeRandomInit.Create(4, 16, [1, 2, 4, 4], 1, [false, true, true], seed + 5), Vae);
        Save(UmT5RandomInit.Create(new UmT5Config(tok.PieceCount, TextDim, TextDim, 64, 2, 2, 32), seed + 6, spieceModel), UmT5);
        return written;
    }
}
