using CommandLine;
using NativeWan.Models;

namespace NativeWan.Cli.Commands;

[Verb("init-tiny", HelpText = "Write tiny Wan 2.2 models (DiT experts t2v/i2v, VAE, umT5 + tokenizer) with deterministic random weights for the example and tests.")]
public sealed class InitTinyOptions
{
    [Option("output_dir", Required = true, HelpText = "Folder for the model files.")]
    public string OutputDir { get; set; } = "";

    [Option("spm", Required = true, HelpText = "SentencePiece model to embed in the umT5 file (e.g. examples/tiny/spiece.model).")]
    public string Spm { get; set; } = "";

    [Option("seed", Default = 2026UL, HelpText = "Seed of the random weights.")]
    public ulong Seed { get; set; } = 2026;
}

public static class InitTinyCommand
{
    public static int Run(InitTinyOptions o)
    {
        foreach (var p in TinyModels.Write(o.OutputDir, File.ReadAllBytes(o.Spm), o.Seed))
            Console.WriteLine($"wrote {p} ({new FileInfo(p).Length:N0} bytes)");
        return 0;
    }
}
