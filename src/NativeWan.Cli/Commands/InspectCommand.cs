using CommandLine;

namespace NativeWan.Cli.Commands;

[Verb("inspect", HelpText = "List the tensors of .safetensors / .pth files and recognize what they are (Wan DiT, VAE, umT5, LoRA).")]
public sealed class InspectOptions
{
    [Value(0, Required = true, MetaName = "FILE", HelpText = "One or more .safetensors, .safetensors.index.json or .pth files.")]
    public IEnumerable<string> Files { get; set; } = Array.Empty<string>();

    [Option("json", HelpText = "Machine-readable JSON output.")]
    public bool Json { get; set; }
}

public static class InspectCommand
{
    public static int Run(InspectOptions o)
    {
        Console.Error.WriteLine("inspect: not implemented yet");
        return 1;
    }
}
