using System.Text.RegularExpressions;
using NativeWan.Cuda.Nvrtc;
using NativeWan.Ops.Cuda;

namespace NativeWan.Tests.Ops.Cuda;

/// <summary>One <c>extern "C"</c> kernel as declared in a kernels/*.cu file: name, parameter C types and names.</summary>
internal sealed record KernelSignature(string File, string Name, IReadOnlyList<(KernelArgKind Kind, string CType, string Param)> Params);

/// <summary>Parses the kernel declarations of the repository's kernels folder (the ground truth for argument packing).</summary>
internal static partial class KernelSignatures
{
    [GeneratedRegex(@"extern\s+""C""\s+__global__\s+void\s+(\w+)\s*\(([^)]*)\)", RegexOptions.Singleline)]
    private static partial Regex Declaration();

    static readonly Lazy<IReadOnlyDictionary<string, KernelSignature>> All = new(Load);

    public static string KernelsDirectory => KernelLocations.FindKernelsDirectory() ?? throw new InvalidOperationException("kernels folder not found");

    /// <summary>Every kernel of every .cu file, by name.</summary>
    public static IReadOnlyDictionary<string, KernelSignature> ByName => All.Value;

    static IReadOnlyDictionary<string, KernelSignature> Load()
    {
        var d = new Dictionary<string, KernelSignature>(StringComparer.Ordinal);
        foreach (var path in Directory.GetFiles(KernelsDirectory, "*.cu").Order(StringComparer.Ordinal))
            foreach (var s in Parse(Path.GetFileName(path), File.ReadAllText(path)))
                d.Add(s.Name, s);
        return d;
    }

    /// <summary>The kernels declared in one source text.</summary>
    public static IEnumerable<KernelSignature> Parse(string file, string text)
    {
        foreach (Match m in Declaration().Matches(text))
        {
            var ps = m.Groups[2].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(p => Classify(p)).ToArray();
            yield return new KernelSignature(file, m.Groups[1].Value, ps);
        }
    }

    static (KernelArgKind, string, string) Classify(string param)
    {
        var p = Regex.Replace(param, @"\s+", " ").Trim();
        int cut = p.LastIndexOfAny(new[] { ' ', '*' });
        string type = p[..(cut + 1)].Trim(), name = p[(cut + 1)..];
        var bare = type.Replace("const ", "").Replace("__restrict__", "").Trim();
        KernelArgKind kind = bare.Contains('*') ? KernelArgKind.Pointer : bare switch
        {
            "int" => KernelArgKind.Int32,
            "long long" => KernelArgKind.Int64,
            "float" => KernelArgKind.Float32,
            "double" => KernelArgKind.Float64,
            _ => throw new InvalidDataException($"kernel parameter '{param}' has a type the launcher cannot pass"),
        };
        return (kind, bare, name);
    }
}
