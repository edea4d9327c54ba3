using System.Globalization;
using CommandLine;
using NativeWan.Caching;
using NativeWan.Config.Toml;
using NativeWan.Data;
using NativeWan.IO;
using NativeWan.Models.Vae;
using Spectre.Console;

namespace NativeWan.Cli.Commands;

/// <summary>Dataset selection and cache flags shared by <c>cache-latents</c> and <c>cache-text</c> (musubi flag names).</summary>
public abstract class CacheDatasetOptions
{
    [Option("dataset_config", MetaValue = "FILE", HelpText = "musubi-tuner dataset config (.toml). Give this or --data.")]
    public string? DatasetConfig { get; set; }

    [Option("data", MetaValue = "DIR", HelpText = "Quick mode: every image/video directly in DIR with same-stem caption files (bucketing on; videos: the whole clip up to --max_frames).")]
    public string? Data { get; set; }

    [Option("resolution", MetaValue = "W,H", HelpText = "With --data: target resolution (default 960,544; one number means square).")]
    public string? Resolution { get; set; }

    [Option("max_frames", MetaValue = "N", HelpText = "With --data: frames per video, rounded down to 4n+1 (default 81).")]
    public int? MaxFrames { get; set; }

    [Option("caption_extension", MetaValue = "EXT", HelpText = "With --data: caption file extension (default .txt).")]
    public string? CaptionExtension { get; set; }

    [Option("cache_directory", MetaValue = "DIR", HelpText = "With --data: where the caches go (default: next to the media).")]
    public string? CacheDirectory { get; set; }

    [Option("keep_cache", HelpText = "Keep cache files of items no longer in the dataset (default: delete them, as musubi).")]
    public bool KeepCache { get; set; }

    [Option("skip_existing", HelpText = "Treat every existing cache file as done without checking that it is up to date.")]
    public bool SkipExisting { get; set; }
}

[Verb("cache-latents", HelpText = "VAE-encode every dataset item into musubi-compatible latent caches (*_WxH_wan.safetensors), as musubi's wan_cache_latents.py.")]
public sealed class CacheLatentsOptions : CacheDatasetOptions
{
    [Option("vae", Required = true, MetaValue = "FILE", HelpText = "Wan 2.1 VAE weights (official or ComfyUI wan_2.1_vae.safetensors / .pth).")]
    public string Vae { get; set; } = "";

    [Option("i2v", HelpText = "Also cache the I2V-A14B conditioning (4 mask + 16 first-frame latent channels, as latents_image_…).")]
    public bool I2V { get; set; }
}

/// <summary>
/// <c>nativewan cache-latents</c>: prints the dataset plan and warnings, then one line per item, then a summary.
/// Exit code 0 when every item is cached, 1 on any error or failed item.
/// </summary>
public static class CacheLatentsCommand
{
    public static int Run(CacheLatentsOptions o) => Run(o, Console.Out, Console.Error, !Console.IsOutputRedirected);

    /// <summary>Runs the verb writing to <paramref name="output"/>/<paramref name="error"/>; <paramref name="rich"/> uses Spectre colours.</summary>
    public static int Run(CacheLatentsOptions o, TextWriter output, TextWriter error, bool rich = false)
    {
        var ui = new CacheConsole(output, error, rich);
        return ui.Guard(() =>
        {
            string vaeIdentity = CacheFiles.ModelIdentity(o.Vae);
            var scan = CacheConsole.Scan(o, ui);
            if (scan is null) return 1;
            var cacher = new LatentCacher(new LatentCacheOptions
            {
                VaeIdentity = vaeIdentity, I2V = o.I2V, KeepCache = o.KeepCache, SkipExisting = o.SkipExisting,
            });
            var report = cacher.Run(scan, () =>
            {
                ui.Info($"loading VAE {o.Vae}");
                using var src = TensorFiles.Open(o.Vae);
                var vae = WanVae.Load(src);
                ui.Info($"  {vae.Config}");
                return vae;
            }, ui.Progress);
            return ui.Finish("latents", report);
        });
    }
}

/// <summary>Console output shared by the cache verbs: plain lines, or Spectre markup on a terminal.</summary>
internal sealed class CacheConsole(TextWriter output, TextWriter error, bool rich)
{
    public void Info(string line)
    {
        if (rich) AnsiConsole.MarkupLineInterpolated($"[grey]{line}[/]");
        else output.WriteLine(line);
    }

    public void Warn(string line)
    {
        if (rich) AnsiConsole.MarkupLineInterpolated($"[yellow]warning:[/] {line}");
        else output.WriteLine("warning: " + line);
    }

    public void Error(string line) => error.WriteLine("error: " + line);

    public void Progress(CacheProgress p)
    {
        string n = p.Total.ToString(CultureInfo.InvariantCulture);
        string head = $"[{p.Index.ToString(CultureInfo.InvariantCulture).PadLeft(n.Length)}/{n}]";
        string status = p.Status switch
        {
            CacheItemStatus.Encoded => "encoded",
            CacheItemStatus.UpToDate => "skipped",
            _ => "FAILED",
        };
        string time = p.Status == CacheItemStatus.UpToDate ? "" : $" ({p.Seconds.ToString("0.00", CultureInfo.InvariantCulture)} s)";
        if (!rich) { output.WriteLine($"{head} {status,-7} {p.Key}: {p.Detail}{time}"); return; }
        string colour = p.Status switch { CacheItemStatus.Encoded => "green", CacheItemStatus.UpToDate => "grey", _ => "red" };
        AnsiConsole.MarkupLine($"{Markup.Escape(head)} [{colour}]{status,-7}[/] {Markup.Escape(p.Key)}: {Markup.Escape(p.Detail)}{time}");
    }

    /// <summary>Prints the report; returns the exit code.</summary>
    public int Finish(string what, CacheReport r)
    {
        foreach (var f in r.Removed) Info($"removed stale cache {f}");
        foreach (var f in r.Kept) Info($"kept stale cache {f} (--keep_cache)");
        foreach (var w in r.Warnings) Warn(w);
        foreach (var f in r.Failures) Error(f);
        foreach (var e in r.Errors) Error(e);
        string line = $"{what}: {r.Summary}";
        if (rich) AnsiConsole.MarkupLineInterpolated($"[bold]{line}[/]");
        else output.WriteLine(line);
        return r.Succeeded ? 0 : 1;
    }

    /// <summary>Runs <paramref name="body"/>, turning dataset, config, file and model errors into "error: …" and exit code 1.</summary>
    public int Guard(Func<int> body)
    {
        try { return body(); }
        catch (Exception e) when (e is DatasetConfigException or DatasetException or TomlException or IOException or ModelFileException
            or MediaException or ArgumentException or InvalidDataException or UnauthorizedAccessException)
        {
            Error(e.Message);
            return 1;
        }
    }

    /// <summary>Reads the dataset (config or --data), scans it and prints the plan and warnings; null after an error was printed.</summary>
    public static DatasetScanResult? Scan(CacheDatasetOptions o, CacheConsole ui)
    {
        if ((o.DatasetConfig is null) == (o.Data is null))
        {
            ui.Error("give exactly one of --dataset_config FILE and --data DIR");
            return null;
        }
        DatasetConfig config;
        if (o.DatasetConfig is { } file)
        {
            var dataOnly = new (string Flag, bool Set)[]
            {
                ("--resolution", o.Resolution != null), ("--max_frames", o.MaxFrames != null),
                ("--caption_extension", o.CaptionExtension != null), ("--cache_directory", o.CacheDirectory != null),
            }.Where(x => x.Set).Select(x => x.Flag).ToArray();
            if (dataOnly.Length > 0)
            {
                ui.Error($"{string.Join(", ", dataOnly)} only apply with --data; set them in {file}");
                return null;
            }
            config = NativeWan.Data.DatasetConfig.FromTable(Toml.ParseFile(file)!, file);
        }
        else
        {
            config = NativeWan.Data.DatasetConfig.FromDirectory(o.Data!, ParseResolution(o.Resolution),
                captionExtension: o.CaptionExtension ?? ".txt", maxFrames: o.MaxFrames ?? 81, cacheDirectory: o.CacheDirectory);
        }
        var scan = DatasetScanner.Scan(config);
        foreach (var line in scan.Plan.Format().TrimEnd().Split('\n')) ui.Info(line.TrimEnd('\r'));
        foreach (var w in scan.Warnings) ui.Warn(w);
        return scan;
    }

    /// <summary>"W,H", "WxH" or "N" (square).</summary>
    /// <exception cref="ArgumentException">Anything else, or a non-positive side.</exception>
    public static Resolution ParseResolution(string? text)
    {
        if (text is null) return new Resolution(960, 544);
        var parts = text.Split([',', 'x', 'X'], StringSplitOptions.TrimEntries);
        bool ok = parts.Length is 1 or 2;
        var v = new int[2];
        for (int i = 0; ok && i < parts.Length; i++)
            ok = int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out v[i]) && v[i] > 0;
        if (!ok) throw new ArgumentException($"--resolution \"{text}\": expected W,H (e.g. 960,544) or one number");
        return parts.Length == 1 ? new Resolution(v[0], v[0]) : new Resolution(v[0], v[1]);
    }
}
