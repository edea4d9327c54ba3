using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using NativeWan.IO;

namespace NativeWan.Training;

/// <summary>
/// The metrics log <c>{output_name}_metrics.jsonl</c>: one JSON object per line. Training steps:
/// <c>{"step": n, "epoch": e, "loss": x, "lr": x, "grad_norm": x, "expert": "high_noise"|"low_noise"|"single",
/// "timesteps": [t, …], "seconds": s}</c> (step 1-based after the update, epoch 1-based, seconds = wall time of the
/// step). Evaluations: <c>{"step": n, "eval_loss": x, "eval_sigmas": [σ, …]}</c>.
/// The whole file is rewritten atomically (<see cref="AtomicFile"/>) at most every <see cref="FlushInterval"/> and on
/// <see cref="Flush"/>, so a crash leaves the last complete version, never a torn line. Opening an existing log for
/// a resumed run keeps only the lines up to the resumed step.
/// </summary>
public sealed class MetricsLog
{
    /// <summary>Minimum time between automatic rewrites.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(5);

    readonly List<string> _lines = [];
    readonly Stopwatch _sinceFlush = Stopwatch.StartNew();
    bool _dirty;

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Lines held (and written on the next flush).</summary>
    public IReadOnlyList<string> Lines => _lines;

    /// <summary>
    /// Starts a log at <paramref name="path"/>. With <paramref name="resumeStep"/> (a resumed run) the existing file's
    /// lines with <c>step</c> ≤ that step are kept; otherwise any existing file is replaced on the first flush.
    /// </summary>
    public MetricsLog(string path, int? resumeStep = null)
    {
        Path = path;
        if (resumeStep is int k && File.Exists(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                try
                {
                    using var doc = JsonDocument.Parse(line);
                    if (doc.RootElement.TryGetProperty("step", out var s) && s.TryGetInt32(out int step) && step <= k) _lines.Add(line);
                }
                catch (JsonException) { /* a foreign or damaged line: dropped */ }
            }
            _dirty = true;
        }
    }

    /// <summary>Appends a training step (1-based epoch given separately because <see cref="TrainProgress.Epoch"/> is 0-based).</summary>
    public void Add(TrainProgress p, int epoch)
    {
        var sb = new StringBuilder(160);
        sb.Append("{\"step\": ").Append(p.Step.ToString(CultureInfo.InvariantCulture))
          .Append(", \"epoch\": ").Append(epoch.ToString(CultureInfo.InvariantCulture))
          .Append(", \"loss\": ").Append(Num(p.Loss))
          .Append(", \"lr\": ").Append(Num(p.LearningRate))
          .Append(", \"grad_norm\": ").Append(Num(p.GradNorm))
          .Append(", \"expert\": \"").Append(ExpertName(p.Expert)).Append('"')
          .Append(", \"timesteps\": [").Append(string.Join(", ", p.Timesteps.Select(t => Num(t)))).Append(']')
          .Append(", \"seconds\": ").Append(Num(p.Seconds)).Append('}');
        Append(sb.ToString());
    }

    /// <summary>Appends an evaluation result.</summary>
    public void AddEvaluation(int step, double loss, IReadOnlyList<float> sigmas) =>
        Append($"{{\"step\": {step.ToString(CultureInfo.InvariantCulture)}, \"eval_loss\": {Num(loss)}, \"eval_sigmas\": [{string.Join(", ", sigmas.Select(s => Num(s)))}]}}");

    void Append(string line)
    {
        _lines.Add(line);
        _dirty = true;
        if (_sinceFlush.Elapsed >= FlushInterval) Flush();
    }

    /// <summary>Rewrites the file atomically when anything changed since the last write.</summary>
    public void Flush()
    {
        if (!_dirty) return;
        var sb = new StringBuilder();
        foreach (var l in _lines) sb.Append(l).Append('\n');
        AtomicFile.WriteAllText(Path, sb.ToString());
        _dirty = false;
        _sinceFlush.Restart();
    }

    /// <summary>The expert's name in logs and metadata.</summary>
    public static string ExpertName(ExpertRole r) => r switch
    {
        ExpertRole.HighNoise => "high_noise",
        ExpertRole.LowNoise => "low_noise",
        _ => "single",
    };

    static string Num(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "null";

    static string Num(float v) => float.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "null";
}
