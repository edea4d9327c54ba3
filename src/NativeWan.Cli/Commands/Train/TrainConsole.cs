using System.Diagnostics;
using System.Globalization;
using NativeWan.Training;
using NativeWan.Training.Config;
using Spectre.Console;

namespace NativeWan.Cli.Commands.Train;

/// <summary>
/// Console output of <c>nativewan train</c> with Spectre.Console: the plan as tables, then either a live progress bar
/// (interactive terminals) or one plain line every few steps (CI logs, redirected output), then the summary.
/// Plain mode uses ASCII table borders and no colour so logs stay legible.
/// </summary>
internal sealed class TrainConsole : ITrainObserver
{
    /// <summary>Smoothing of the displayed loss: ema ← ema + α·(loss − ema), α = 0.1 (the first step sets it).</summary>
    public const double EmaAlpha = 0.1;

    readonly IAnsiConsole _c;
    readonly bool _live;
    readonly Action<TrainProgress>? _afterStep;
    readonly Stopwatch _clock = new();
    ProgressTask? _task;
    double? _ema, _secEma;
    int _firstStep = -1, _plainEvery = 1;

    public TrainConsole(IAnsiConsole console, Action<TrainProgress>? afterStep)
    {
        _c = console;
        _live = console.Profile.Capabilities.Interactive && console.Profile.Capabilities.Ansi;
        _afterStep = afterStep;
        // logs have no line length: let tables use long paths instead of wrapping them at the default 80 columns
        if (!_live && console.Profile.Width < PlainWidth) console.Profile.Width = PlainWidth;
    }

    /// <summary>Table width in plain (non-interactive) mode.</summary>
    const int PlainWidth = 160;

    /// <summary>A line: through Spectre while the live display runs, else written as is (never wrapped).</summary>
    void Line(string text, string? style = null)
    {
        if (_live) _c.MarkupLine(style is null ? Markup.Escape(text) : $"[{style}]{Markup.Escape(text)}[/]");
        else _c.Profile.Out.Writer.WriteLine(text);
    }

    TableTitle Title(string text) => new(text, _live ? new Style(decoration: Decoration.Bold) : Style.Plain);

    TableBorder Border => _live && _c.Profile.Capabilities.Unicode ? TableBorder.Rounded : TableBorder.Ascii;

    public void Info(string message) => Line(message);

    public void Warning(string message) => Line($"warning: {message}", "yellow");

    public void Error(string message) => Line($"error: {message}", "red");

    public void Evaluation(string when, int step, double loss) =>
        Line(FormattableString.Invariant($"evaluation loss at {when} (step {step}): {loss:0.000000}"));

    public void Saved(string path) => Line($"saved {path}");

    /// <summary>Prints the plan tables.</summary>
    public void Plan(TrainPlan p, TrainArgs a)
    {
        static string Esc(string s) => Markup.Escape(s);
        string I(FormattableString f) => f.ToString(CultureInfo.InvariantCulture);
        var run = new Table().Border(Border).Title(Title("training plan")).AddColumn("setting").AddColumn("value");
        run.AddRow("task", Esc(p.Task + (p.Models.Count == 2 ? I($" (boundary {p.TimestepBoundary:0.###}: t >= {p.TimestepBoundary * 1000:0} → high noise)") : "")));
        foreach (var (role, path) in p.Models) run.AddRow(Esc($"DiT {role}"), Esc(path));
        foreach (var n in p.Networks)
            run.AddRow(Esc($"LoRA {n.Name}"), Esc(I($"{n.Modules} modules, {n.Parameters:N0} parameters → {n.File}")));
        run.AddRow("rank / alpha", Esc(I($"{p.Lora.Rank} / {PythonRepr.Float(p.Lora.Alpha)} (scale {(p.Lora.Alpha == 0 ? 1 : p.Lora.Alpha / p.Lora.Rank):0.####})")));
        run.AddRow("optimizer", Esc(OptimizerArgs.MetadataName(a.OptimizerArgsList) + I($", lr {a.LearningRate:G4}, clip {a.MaxGradNorm:G4}")));
        run.AddRow("lr schedule", Esc(I($"{a.LrScheduler}, warmup {p.Schedule.WarmupSteps} steps") + (a.LrScheduler == "constant" && p.Schedule.WarmupSteps > 0 ? " (ignored by constant)" : "")));
        var t = p.Timesteps;
        run.AddRow("timesteps", Esc(I($"{a.TimestepSampling}, shift {t.DiscreteFlowShift:G4}, window {t.MinTimestep ?? 0}–{t.MaxTimestep ?? 1000}")));
        run.AddRow("steps", Esc(I($"{p.MaxTrainSteps} optimizer steps ({p.Epochs:0.##} epochs of {p.StepsPerEpoch} steps), {p.GradientAccumulationSteps} item(s) per step")
            + (p.StartStep > 0 ? I($", resuming at step {p.StartStep}") : "")));
        run.AddRow("tokens per step", Esc(I($"{p.TokensPerStep:N0} (largest bucket F·H·W/4 × accumulation)")));
        run.AddRow("seed", p.Seed.ToString(CultureInfo.InvariantCulture));
        var m = p.Memory;
        run.AddRow("CPU memory (est.)", Esc($"{TrainMemoryEstimate.Format(m.TotalBytes)}: weights {TrainMemoryEstimate.Format(m.WeightsBytes)}, "
            + $"LoRA+optimizer {TrainMemoryEstimate.Format(m.LoraBytes)}, activations {TrainMemoryEstimate.Format(m.ActivationBytes)}, data {TrainMemoryEstimate.Format(m.DataBytes)}"));
        _c.Write(run);

        var data = new Table().Border(Border).Title(Title("dataset")).AddColumn("bucket W×H×F").AddColumn("latent [[C,F,H,W]]")
            .AddColumn(new TableColumn("items").RightAligned()).AddColumn(new TableColumn("× repeats").RightAligned())
            .AddColumn(new TableColumn("tokens").RightAligned());
        foreach (var b in p.Buckets)
            data.AddRow(Esc(b.Bucket.ToString()), Esc(b.Latent.ToString()), I($"{b.Items}"), I($"{b.Samples}"), I($"{b.Tokens:N0}"));
        data.AddRow("total", "", I($"{p.Items}"), I($"{p.Samples}"), "");
        _c.Write(data);
    }

    /// <summary>Runs <paramref name="run"/> inside the live progress display (interactive) or plainly.</summary>
    public TrainResult Track(int startStep, int totalSteps, Func<TrainResult> run)
    {
        _plainEvery = Math.Max(1, (int)Math.Ceiling((totalSteps - startStep) / 50.0));
        _clock.Start();
        if (!_live) return run();
        TrainResult? result = null;
        _c.Progress().AutoClear(false).HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 20 }, new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                _task = ctx.AddTask($"step {startStep}/{totalSteps}", maxValue: totalSteps);
                _task.Value = startStep;
                result = run();
                _task.Value = _task.MaxValue;
                _task.StopTask();
            });
        return result!;
    }

    public void Step(TrainProgress p, int epoch, int totalSteps)
    {
        if (_firstStep < 0) _firstStep = p.Step;
        _ema = _ema is double e ? e + EmaAlpha * (p.Loss - e) : p.Loss;
        _secEma = _secEma is double s ? s + EmaAlpha * (p.Seconds - s) : p.Seconds;
        var eta = TimeSpan.FromSeconds(Math.Max(0, totalSteps - p.Step) * _secEma!.Value);
        string text = FormattableString.Invariant(
            $"step {p.Step}/{totalSteps} epoch {epoch} loss {p.Loss:0.0000} (avg {_ema:0.0000}) lr {p.LearningRate:0.00e+00} {MetricsLog.ExpertName(p.Expert)} {_secEma:0.00} s/step ETA {eta:hh\\:mm\\:ss}");
        if (_task is not null)
        {
            // compact, so the bar, percentage and remaining time fit an 80-column terminal
            _task.Description = Markup.Escape(FormattableString.Invariant(
                $"{p.Step}/{totalSteps} loss {_ema:0.0000} lr {p.LearningRate:0.0e+00} {_secEma:0.00}s/it"));
            _task.Value = p.Step;
        }
        else if (p.Step == _firstStep || p.Step == totalSteps || (p.Step - _firstStep + 1) % _plainEvery == 0)
            Line(text);
        _afterStep?.Invoke(p);
    }

    /// <summary>Prints the evaluation summary and the files written.</summary>
    public void Summary(TrainResult r, int totalSteps)
    {
        if (r.Interrupted)
            Line($"interrupted at step {r.Step} of {totalSteps}: state and LoRA(s) saved; continue with --resume", "yellow");
        string I(FormattableString f) => f.ToString(CultureInfo.InvariantCulture);
        if (r.EvalEnd is double end)
        {
            double start = r.EvalInitial ?? r.EvalStart ?? double.NaN;
            string from = r.EvalInitial is not null ? "step 0" : "start";
            Line(I($"evaluation loss ({TrainJob.EvaluationSigmas.Length} noise levels × up to {TrainJob.EvaluationItems} items, fixed noise): {from} {start:0.000000} → end {end:0.000000} ({Math.Round((end - start) / start * 100, 1):+0.0;-0.0;0.0} %)"), "bold");
        }
        var files = new Table().Border(Border).Title(Title("files written")).AddColumn("path");
        foreach (var f in r.Files.Distinct()) files.AddRow(Markup.Escape(f));
        _c.Write(files);
    }
}
