using System.Text.Json;
using CommandLine;
using NativeWan.Text;

namespace NativeWan.Cli.Commands;

[Verb("tokenize", HelpText = "Tokenize text with a SentencePiece unigram model (umT5 spiece.model): prints ids and pieces.")]
public sealed class TokenizeOptions
{
    [Option("spm", SetName = "spm", Required = true, MetaValue = "FILE", HelpText = "SentencePiece model file (spiece.model).")]
    public string? Spm { get; set; }

    [Option("t5", SetName = "t5", Required = true, MetaValue = "FILE", HelpText = "umT5 weights (ComfyUI safetensors) with the tokenizer embedded as the U8 tensor 'spiece_model'.")]
    public string? T5 { get; set; }

    [Value(0, Required = true, MetaName = "TEXT", HelpText = "Text to tokenize (several arguments are joined with spaces).")]
    public IEnumerable<string> Text { get; set; } = Array.Empty<string>();

    [Option("text-len", MetaValue = "N", HelpText = "Apply Wan's umT5 pipeline (HTML unescape, whitespace cleanup, EOS, truncation, padding to N; Wan uses 512).")]
    public int? TextLength { get; set; }

    [Option("json", HelpText = "Machine-readable JSON output.")]
    public bool Json { get; set; }
}

public static class TokenizeCommand
{
    public static int Run(TokenizeOptions o)
    {
        if (o.Spm != null) return Run(SentencePieceModel.LoadFile(o.Spm), o, Console.Out);
        using var src = NativeWan.IO.TensorFiles.Open(o.T5!);
        return Run(SentencePieceModel.FromTensorSource(src), o, Console.Out);
    }

    /// <summary>Tokenizes <c>o.Text</c> with an already loaded model (file or embedded tensor) and writes the result.</summary>
    public static int Run(SentencePieceModel model, TokenizeOptions o, TextWriter output)
    {
        string text = string.Join(' ', o.Text);
        if (o.TextLength is int textLength)
        {
            if (textLength < 1) throw new ArgumentException($"--text-len must be at least 1, got {textLength}");
            var r = new UmT5Tokenizer(model, textLength).Encode(text);
            var pieces = r.Ids.Take(r.SeqLen).Select(model.IdToPiece).ToArray();
            if (o.Json)
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    clean = r.CleanText, ids = r.Ids, mask = r.Mask, seq_len = r.SeqLen,
                    content_tokens = r.ContentTokenCount, truncated = r.Truncated, pieces,
                }));
                return 0;
            }
            output.WriteLine($"clean:    {r.CleanText}");
            output.WriteLine($"seq_len:  {r.SeqLen} of {textLength} ({r.ContentTokenCount} content tokens{(r.Truncated ? ", truncated" : "")})");
            output.WriteLine($"ids:      {string.Join(' ', r.Ids.Take(r.SeqLen))}{(r.SeqLen < textLength ? $" + {textLength - r.SeqLen} x {r.Ids[^1]} (pad)" : "")}");
            output.WriteLine($"pieces:   {string.Join(' ', pieces)}");
            return 0;
        }

        int[] ids = model.Encode(text);
        string[] encodedPieces = model.EncodeAsPieces(text);
        string normalized = model.Normalize(text);
        if (o.Json)
        {
            output.WriteLine(JsonSerializer.Serialize(new { normalized, ids, pieces = encodedPieces, decoded = model.Decode(ids) }));
            return 0;
        }
        output.WriteLine($"normalized: {normalized}");
        output.WriteLine($"ids:        {string.Join(' ', ids)}");
        output.WriteLine($"pieces:     {string.Join(' ', encodedPieces)}");
        output.WriteLine($"decoded:    {model.Decode(ids)}");
        return 0;
    }
}
