using NativeWan.IO;
using NativeWan.Models.T5;
using NativeWan.Text;

namespace NativeWan.Generation;

/// <summary>
/// Prompt → DiT context, as Wan's <c>T5EncoderModel</c> (spec 6.2): clean, tokenize with EOS and padding to
/// <see cref="TextLength"/>, run the umT5 encoder over all positions with the key mask, keep the first
/// <c>count(mask)</c> rows. Result: float32 [rows, <see cref="Dim"/>], rows ≤ TextLength. Repeated prompts are served
/// from a small cache.
/// </summary>
public sealed class PromptEncoder
{
    readonly Dictionary<string, float[]> _cache = new(StringComparer.Ordinal);

    /// <summary>The tokenizer (its TextLength is the context limit).</summary>
    public UmT5Tokenizer Tokenizer { get; }
    /// <summary>The encoder.</summary>
    public UmT5Encoder Encoder { get; }
    /// <summary>Width of one context row (umT5 dim, 4096 for umT5-XXL).</summary>
    public int Dim => Encoder.Config.Dim;
    /// <summary>Token positions per prompt (Wan: 512).</summary>
    public int TextLength => Tokenizer.TextLength;

    /// <summary>Wraps a tokenizer and an encoder.</summary>
    /// <exception cref="ArgumentException">The tokenizer has more pieces than the encoder's vocabulary.</exception>
    public PromptEncoder(UmT5Tokenizer tokenizer, UmT5Encoder encoder)
    {
        ArgumentNullException.ThrowIfNull(tokenizer); ArgumentNullException.ThrowIfNull(encoder);
        if (tokenizer.Model.PieceCount > encoder.Config.Vocab)
            throw new ArgumentException($"the tokenizer has {tokenizer.Model.PieceCount} pieces but the umT5 embedding only {encoder.Config.Vocab} rows");
        Tokenizer = tokenizer;
        Encoder = encoder;
    }

    /// <summary>
    /// Loads the umT5 encoder from <paramref name="t5Path"/> and the tokenizer from <paramref name="spmPath"/>, or, when
    /// that is null, from the <c>spiece_model</c> tensor embedded in the T5 file.
    /// </summary>
    /// <param name="t5Path">umT5 weights (.safetensors/.pth; official, HF or ComfyUI names).</param>
    /// <param name="spmPath">SentencePiece model file, or null.</param>
    /// <param name="textLength">Token positions (Wan: 512).</param>
    /// <exception cref="ModelFileException">Unreadable weights or tokenizer.</exception>
    public static PromptEncoder Load(string t5Path, string? spmPath, int textLength = UmT5Tokenizer.WanTextLength)
    {
        using var src = TensorFiles.Open(t5Path);
        var spm = spmPath != null ? SentencePieceModel.LoadFile(spmPath) : SentencePieceModel.FromTensorSource(src);
        return new PromptEncoder(new UmT5Tokenizer(spm, textLength), UmT5Encoder.Load(src));
    }

    /// <summary>The context of <paramref name="prompt"/>: [rows, Dim] row-major (rows = tokens + EOS, ≤ TextLength). The array may be shared with later calls: do not modify it.</summary>
    public float[] Encode(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        lock (_cache)
        {
            if (_cache.TryGetValue(prompt, out var hit)) return hit;
            var t = Tokenizer.Encode(prompt);
            var ctx = Encoder.Encode(t.Ids, t.Mask);
            if (_cache.Count < 64) _cache[prompt] = ctx;
            return ctx;
        }
    }
}
