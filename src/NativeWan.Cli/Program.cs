using CommandLine;
using NativeWan.Cli.Commands;

namespace NativeWan.Cli;

/// <summary>Entry point of the <c>nativewan</c> executable: one CommandLineParser verb per subcommand.</summary>
public static class Program
{
    /// <summary>Verb option types; each has a matching <c>Run</c> in <see cref="Commands"/>.</summary>
    internal static readonly Type[] Verbs =
    {
        typeof(InspectOptions),
        typeof(TokenizeOptions),
        typeof(DoctorOptions),
        typeof(InitTinyOptions),
        typeof(GenerateOptions),
        typeof(CacheLatentsOptions),
        typeof(CacheTextOptions),
        typeof(TrainOptions),
        typeof(VerifyKernelsOptions),
    };

    public static int Main(string[] args)
    {
        var parser = new Parser(s => { s.HelpWriter = Console.Error; s.CaseInsensitiveEnumValues = true; s.AllowMultiInstance = true; });
        var result = parser.ParseArguments(args, Verbs);
        try
        {
            return result.MapResult(
                (InspectOptions o) => InspectCommand.Run(o),
                (TokenizeOptions o) => TokenizeCommand.Run(o),
                (DoctorOptions o) => DoctorCommand.Run(o),
                (InitTinyOptions o) => InitTinyCommand.Run(o),
                (GenerateOptions o) => GenerateCommand.Run(o),
                (CacheLatentsOptions o) => CacheLatentsCommand.Run(o),
                (CacheTextOptions o) => CacheTextCommand.Run(o),
                (TrainOptions o) => TrainCommand.Run(o),
                (VerifyKernelsOptions o) => VerifyKernelsCommand.Run(o),
                _ => 2);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or NativeWan.IO.ModelFileException or ArgumentException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
