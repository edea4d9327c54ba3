using System.Text.Json;
using CommandLine;
using NativeWan.Inspection;

namespace NativeWan.Cli.Commands;

[Verb("inspect", HelpText = "List the tensors of .safetensors / .safetensors.index.json / .pth files and recognize them (Wan DiT, VAE, umT5, LoRA, fp8).")]
public sealed class InspectOptions
{
    [Value(0, Required = true, MetaName = "FILE", HelpText = "One or more files.")]
    public IEnumerable<string> Files { get; set; } = Array.Empty<string>();

    [Option("json", HelpText = "Machine-readable JSON output (an array, one object per file).")]
    public bool Json { get; set; }

    [Option('s', "summary", HelpText = "Only totals and what was recognized, no tensor list.")]
    public bool Summary { get; set; }

    [Option("metadata", HelpText = "Print metadata values in full (default: keys and the first 80 characters).")]
    public bool FullMetadata { get; set; }
}

/// <summary><c>nativewan inspect</c>: exit 0 when every file was read, 1 when any was refused or malformed.</summary>
public static class InspectCommand
{
    public static int Run(InspectOptions o)
    {
        int rc = 0;
        var reports = new List<object>();
        foreach (var f in o.Files)
        {
            try
            {
                var r = CheckpointInspector.Inspect(f);
                if (o.Json) reports.Add(ToJson(r));
                else Print(r, o);
            }
            catch (Exception e) when (e is IO.ModelFileException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                if (o.Json) reports.Add(new { path = f, error = e.Message });
                rc = 1;
            }
        }
        if (o.Json) Console.WriteLine(JsonSerializer.Serialize(reports, new JsonSerializerOptions { WriteIndented = true }));
        return rc;
    }

    static object ToJson(CheckpointReport r) => new
    {
        path = r.Path,
        tensor_count = r.Tensors.Count,
        total_bytes = r.TotalBytes,
        total_elements = r.TotalElements,
        recognized = r.Recognized.Select(x => new { kind = x.Kind, description = x.Description, properties = x.Properties }),
        metadata = r.Metadata,
        tensors = r.Tensors.Select(t => new { name = t.Name, dtype = t.DType.ToString(), shape = t.Shape, bytes = t.ByteLength }),
    };

    static void Print(CheckpointReport r, InspectOptions o)
    {
        Console.WriteLine($"== {r.Path}");
        if (!o.Summary && r.Tensors.Count > 0)
        {
            int w = Math.Min(72, r.Tensors.Max(t => t.Name.Length));
            Console.WriteLine($"{"name".PadRight(w)}  {"dtype",-7} {"shape",-24} {"bytes",14}");
            foreach (var t in r.Tensors)
                Console.WriteLine($"{t.Name.PadRight(w)}  {t.DType,-7} {t.ShapeText,-24} {t.ByteLength,14:N0}");
        }
        var byType = r.Tensors.GroupBy(t => t.DType).Select(g => $"{g.Key} {g.Count()}");
        Console.WriteLine($"tensors: {r.Tensors.Count} ({string.Join(", ", byType)}); elements: {r.TotalElements:N0}; bytes: {r.TotalBytes:N0} ({r.TotalBytes / 1048576.0:F1} MiB)");
        foreach (var (k, v) in r.Metadata)
        {
            var s = o.FullMetadata || v.Length <= 80 ? v : v[..80] + "…";
            Console.WriteLine($"metadata {k}: {s.ReplaceLineEndings(" ")}");
        }
        if (r.Recognized.Count == 0) Console.WriteLine("recognized: nothing (not a Wan DiT, VAE, umT5 or LoRA file)");
        foreach (var x in r.Recognized) Console.WriteLine($"recognized: {x.Description}");
    }
}
