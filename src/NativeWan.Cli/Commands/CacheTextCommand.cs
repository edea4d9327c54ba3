using CommandLine;
using NativeWan.Caching;
using NativeWan.IO;
using NativeWan.Models.T5;
using NativeWan.Text;

namespace NativeWan.Cli.Commands;

[Verb("cache-text", HelpText = "umT5-encode every caption into musubi-compatible text caches (*_wan_te.safetensors), as musubi's wan_cache_text_encoder_outputs.py.")]
public sealed class CacheTextOptions : CacheDatasetOptions
{
    [Option("t5", Required = true, MetaValue = "FILE", HelpText = "umT5-XXL encoder weights (official .pth/.safetensors or ComfyUI umt5_xxl_*.safetensors).")]
    public string T5 { get; set; } = "";

    [Option("spm", MetaValue = "FILE", HelpText = "SentencePiece model (spiece.model), needed when the T5 file has no embedded 'spiece_model' tensor.")]
    public string? Spm { get; set; }

    [Option("text_len", Default = UmT5Tokenizer.WanTextLength, MetaValue = "N", HelpText = "Tokens per caption including EOS; longer captions are cut (Wan: 512).")]
    public int TextLength { get; set; } = UmT5Tokenizer.WanTextLength;
}

/// <summary>
/// <c>nativewan cache-text</c>: prints the dataset plan and warnings, one line per media file, and a summary.
/// Exit code 0 when every caption is cached, 1 on any error or failed file.
/// </summary>
public static class CacheTextCommand
{
    public static int Run(CacheTextOptions o) => Run(o, Console.Out, Console.Error, !Console.IsOutputRedirected);

    /// <summary>Runs the verb writing to <paramref name="output"/>/<paramref name="error"/>; <paramref name="rich"/> uses Spectre colours.</summary>
    public static int Run(CacheTextOptions o, TextWriter output, TextWriter error, bool rich = false)
    {
        var ui = new CacheConsole(output, error, rich);
        return ui.Guard(() =>
        {
            if (o.TextLength < 1) throw new ArgumentException($"--text_len must be at least 1, got {o.TextLength}");
            string t5Identity = CacheFiles.ModelIdentity(o.T5);
            string tokIdentity = o.Spm is null ? "embedded" : CacheFiles.ModelIdentity(o.Spm);
            var scan = CacheConsole.Scan(o, ui);
            if (scan is null) return 1;
            var cacher = new TextCacher(new TextCacheOptions
            {
                T5Identity = t5Identity, TokenizerIdentity = tokIdentity, TextLength = o.TextLength,
                KeepCache = o.KeepCache, SkipExisting = o.SkipExisting,
            });
            var report = cacher.Run(scan, () =>
            {
                ui.Info($"loading umT5 {o.T5}");
                using var src = TensorFiles.Open(o.T5);
                var model = o.Spm is null ? SentencePieceModel.FromTensorSource(src) : SentencePieceModel.LoadFile(o.Spm);
                var encoder = UmT5Encoder.Load(src);
                var c = encoder.Config;
                ui.Info($"  umT5: vocab {c.Vocab}, dim {c.Dim}, {c.NumLayers} layers, {c.NumHeads} heads; tokenizer {model.SourceName} ({model.PieceCount} pieces)");
                if (model.PieceCount > c.Vocab)
                    throw new ArgumentException($"{model.SourceName}: the tokenizer has {model.PieceCount} pieces but the umT5 vocabulary in {o.T5} has {c.Vocab} rows");
                return (new UmT5Tokenizer(model, o.TextLength), encoder);
            }, ui.Progress);
            return ui.Finish("text", report);
        });
    }
}
