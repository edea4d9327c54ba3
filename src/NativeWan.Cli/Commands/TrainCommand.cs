using System.Reflection;
using CommandLine;
using NativeWan.Cli.Commands.Train;
using NativeWan.Training;
using NativeWan.Training.Config;
using Spectre.Console;

namespace NativeWan.Cli.Commands;

/// <summary>
/// <c>nativewan train</c>: musubi-tuner style LoRA training on the CPU reference path. Exit codes: 0 done, 1 bad
/// arguments / files / data (one <c>error:</c> line), 130 interrupted by Ctrl+C (the running step finishes, then a
/// resumable state and the LoRA(s) are written).
/// </summary>
public static class TrainCommand
{
    /// <summary>Exit code after Ctrl+C (128 + SIGINT), as shells report it.</summary>
    public const int InterruptedExitCode = 130;

    /// <summary>Entry from <c>Program</c>: real console, Ctrl+C finishes the step and saves (a second Ctrl+C aborts).</summary>
    public static int Run(TrainOptions o)
    {
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler handler = (_, e) =>
        {
            if (cts.IsCancellationRequested) return; // second Ctrl+C: default termination
            e.Cancel = true;
            cts.Cancel();
            Console.Error.WriteLine("\ninterrupt: finishing the current step, then saving the state and LoRA(s) (Ctrl+C again to abort)");
        };
        Console.CancelKeyPress += handler;
        // redirected output (CI logs, files): no ANSI codes, no live display
        var console = Console.IsOutputRedirected
            ? AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No })
            : AnsiConsole.Console;
        try { return Run(o, console, cts.Token); }
        finally { Console.CancelKeyPress -= handler; }
    }

    /// <summary>Runs a training job.</summary>
    /// <param name="o">Parsed flags.</param>
    /// <param name="console">Where output goes (tests pass a non-interactive console over a writer).</param>
    /// <param name="stop">Interruption: checked between steps.</param>
    /// <param name="afterStep">Called after each step (tests use it to interrupt at a given step).</param>
    public static int Run(TrainOptions o, IAnsiConsole console, CancellationToken stop, Action<TrainProgress>? afterStep = null)
    {
        var ui = new TrainConsole(console, afterStep);
        try
        {
            var (args, warnings) = BuildArgs(o);
            foreach (var w in warnings) ui.Warning(w);
            using var job = TrainJob.Prepare(args, ui, stop);
            ui.Plan(job.Plan, args);
            var result = ui.Track(job.Plan.StartStep, job.Plan.MaxTrainSteps, () => job.Run(ui, stop));
            ui.Summary(result, job.Plan.MaxTrainSteps);
            return result.Interrupted ? InterruptedExitCode : 0;
        }
        catch (OperationCanceledException)
        {
            ui.Error("interrupted before training started; nothing was saved");
            return InterruptedExitCode;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or IOException or InvalidDataException or UnauthorizedAccessException
            or IO.ModelFileException or Data.DatasetConfigException or Data.DatasetException or Data.MediaException)
        {
            ui.Error(e.Message);
            return 1;
        }
    }

    /// <summary>
    /// Merges <c>--config_file</c> (first) and the flags given on the command line (override it) into
    /// <see cref="TrainArgs"/>. Returns the config-file warnings.
    /// </summary>
    /// <exception cref="ArgumentException">A flag with a bad value (<c>--key: reason</c>).</exception>
    /// <exception cref="Config.Toml.TomlException">A bad config file value, at its line:column.</exception>
    public static (TrainArgs Args, IReadOnlyList<string> Warnings) BuildArgs(TrainOptions o)
    {
        var given = GivenFlags(o);
        var args = new TrainArgs();
        var warnings = new List<string>();
        if (given.FirstOrDefault(g => g.Key == "config_file").Value is string cfg)
            warnings.AddRange(TrainConfigFile.Apply(args, cfg));
        foreach (var (key, raw) in given)
        {
            try { args.Set(key, raw, $"--{key}"); }
            catch (TrainArgException e) { throw new ArgumentException($"--{key}: {e.Message}", e); }
        }
        return (args, warnings);
    }

    /// <summary>The flags present on the command line as (key, raw value): strings, true for switches, string arrays for lists.</summary>
    public static List<KeyValuePair<string, object>> GivenFlags(TrainOptions o)
    {
        var list = new List<KeyValuePair<string, object>>();
        foreach (var p in typeof(TrainOptions).GetProperties())
        {
            var opt = p.GetCustomAttribute<OptionAttribute>();
            if (opt is null) continue;
            object? raw = p.GetValue(o) switch
            {
                string s => s,
                bool b => b ? true : null,
                IEnumerable<string> e when e.Any() => e.ToArray(),
                _ => null,
            };
            if (raw is not null) list.Add(new(opt.LongName, raw));
        }
        return list;
    }
}
