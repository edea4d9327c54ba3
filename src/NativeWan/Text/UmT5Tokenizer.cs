namespace NativeWan.Text;

/// <summary>
/// Result of <see cref="UmT5Tokenizer.Encode"/> for one prompt.
/// </summary>
/// <param name="CleanText">The prompt after <see cref="WanTextCleaner.Clean"/>.</param>
/// <param name="Ids">Token ids, length <see cref="UmT5Tokenizer.TextLength"/>: content ids, then EOS, then padding.</param>
/// <param name="Mask">Attention mask, same length: 1 for content ids and EOS, 0 for padding.</param>
/// <param name="SeqLen">Number of 1s in <paramref name="Mask"/> (content ids + 1); the encoder output is cut to this many rows.</param>
/// <param name="ContentTokenCount">Number of content ids before truncation.</param>
/// <param name="Truncated">True when content ids were dropped to fit <c>TextLength − 1</c>.</param>
public sealed record UmT5Encoding(string CleanText, int[] Ids, int[] Mask, int SeqLen, int ContentTokenCount, bool Truncated);

/// <summary>
/// The umT5 tokenizer as Wan's <c>T5EncoderModel</c> uses it (<c>HuggingfaceTokenizer(seq_len=text_len,
/// clean='whitespace')</c>): clean the prompt (<see cref="WanTextCleaner"/>, ftfy not reproduced), encode with
/// the SentencePiece model, append EOS (no BOS), truncate to <c>text_len − 1</c> content ids keeping EOS last,
/// pad with the pad id (0 for T5/umT5) to <c>text_len</c>. See golden/tokenizer/README.md, "The pipeline
/// around the tokenizer".
/// </summary>
public sealed class UmT5Tokenizer
{
    /// <summary>Wan's <c>text_len</c> (config <c>text_len = 512</c>).</summary>
    public const int WanTextLength = 512;

    /// <summary>The SentencePiece model.</summary>
    public SentencePieceModel Model { get; }

    /// <summary>Output length (ids per prompt, padding included).</summary>
    public int TextLength { get; }

    /// <summary>Id appended after the content ids.</summary>
    public int EosId { get; }

    /// <summary>Id used for padding: the model's pad piece, or 0 when it has none.</summary>
    public int PadId { get; }

    /// <param name="model">A unigram SentencePiece model with an EOS control piece (umT5 <c>spiece.model</c>).</param>
    /// <param name="textLength">Output length, at least 1 (Wan: 512).</param>
    /// <exception cref="ArgumentException">The model has no EOS control piece.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="textLength"/> &lt; 1.</exception>
    public UmT5Tokenizer(SentencePieceModel model, int textLength = WanTextLength)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(textLength, 1);
        if (model.EosId < 0)
            throw new ArgumentException($"{model.SourceName}: the SentencePiece model has no EOS control piece", nameof(model));
        Model = model;
        TextLength = textLength;
        EosId = model.EosId;
        PadId = model.PadId >= 0 ? model.PadId : 0;
    }

    /// <summary>Cleans, encodes, appends EOS, truncates and pads one prompt.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public UmT5Encoding Encode(string text)
    {
        string clean = WanTextCleaner.Clean(text);
        int[] content = Model.Encode(clean);
        int kept = Math.Min(content.Length, TextLength - 1);
        var ids = new int[TextLength];
        var mask = new int[TextLength];
        Array.Copy(content, ids, kept);
        ids[kept] = EosId;
        for (int i = kept + 1; i < TextLength; i++) ids[i] = PadId;
        for (int i = 0; i <= kept; i++) mask[i] = 1;
        return new UmT5Encoding(clean, ids, mask, kept + 1, content.Length, content.Length > kept);
    }
}
