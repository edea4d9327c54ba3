using System.Text;
using System.Text.RegularExpressions;

namespace NativeWan.Cuda.Nvrtc;

/// <summary>One source file of a kernel: its name relative to the kernel root ('/' separators), full path and bytes.</summary>
public sealed record KernelSourceFile(string RelativeName, string FullPath, byte[] Bytes)
{
    /// <summary>The file as UTF-8 text.</summary>
    public string Text => Encoding.UTF8.GetString(Bytes);
}

/// <summary>
/// A kernel's main file plus every file it includes with <c>#include "..."</c>, recursively.
/// </summary>
/// <param name="Main">The .cu file.</param>
/// <param name="Includes">Resolved quoted includes, each once, sorted by <see cref="KernelSourceFile.RelativeName"/>.</param>
/// <param name="Unresolved">Quoted include names found nowhere on disk (left to NVRTC: built-in headers such as
/// "cuda_bf16.h"), sorted, distinct.</param>
public sealed record KernelSourceSet(KernelSourceFile Main, IReadOnlyList<KernelSourceFile> Includes, IReadOnlyList<string> Unresolved)
{
    /// <summary>Main file then includes.</summary>
    public IEnumerable<KernelSourceFile> AllFiles => Includes.Prepend(Main);

    /// <summary>The main file name without extension ("elementwise").</summary>
    public string Stem => Path.GetFileNameWithoutExtension(Main.FullPath);
}

/// <summary>
/// Resolves <c>#include "name"</c> lines the way the preprocessor does for quoted includes: first relative to the
/// including file's directory, then in each include directory in order. Angle-bracket includes are not followed
/// (they are NVRTC's built-in headers, covered by the NVRTC version in the cache key). Include cycles and repeated
/// includes are visited once. The scan is textual: an include inside a block comment or a disabled #if branch is
/// still followed, which can only make the cache key depend on more files, never fewer.
/// </summary>
public static partial class IncludeResolver
{
    [GeneratedRegex("^[ \\t]*#[ \\t]*include[ \\t]*\"([^\"\\r\\n]+)\"", RegexOptions.Multiline)]
    private static partial Regex QuotedInclude();

    /// <summary>The quoted include names of a source text, in order of appearance.</summary>
    public static IEnumerable<string> QuotedIncludes(string text)
    {
        foreach (Match m in QuotedInclude().Matches(text)) yield return m.Groups[1].Value;
    }

    /// <summary>
    /// Reads <paramref name="mainFile"/> and everything it includes. Relative names are relative to
    /// <paramref name="rootDirectory"/> (the kernels folder), so keys do not depend on where the checkout lives.
    /// </summary>
    /// <exception cref="FileNotFoundException">The main file does not exist.</exception>
    public static KernelSourceSet Resolve(string mainFile, string rootDirectory, IReadOnlyList<string>? includeDirectories = null)
    {
        var root = Path.GetFullPath(rootDirectory);
        var dirs = (includeDirectories ?? new[] { root }).Select(Path.GetFullPath).ToArray();
        var mainPath = Path.GetFullPath(mainFile);
        if (!File.Exists(mainPath)) throw new FileNotFoundException($"kernel source {mainFile} not found", mainPath);

        var main = Read(mainPath, root);
        var visited = new Dictionary<string, KernelSourceFile>(StringComparer.Ordinal) { [mainPath] = main };
        var unresolved = new SortedSet<string>(StringComparer.Ordinal);
        var queue = new Queue<KernelSourceFile>();
        queue.Enqueue(main);
        while (queue.Count > 0)
        {
            var f = queue.Dequeue();
            var here = Path.GetDirectoryName(f.FullPath)!;
            foreach (var name in QuotedIncludes(f.Text))
            {
                var found = Find(name, here, dirs);
                if (found is null) { unresolved.Add(name); continue; }
                if (visited.ContainsKey(found)) continue;
                var inc = Read(found, root);
                visited[found] = inc;
                queue.Enqueue(inc);
            }
        }
        var includes = visited.Values.Where(v => !ReferenceEquals(v, main)).OrderBy(v => v.RelativeName, StringComparer.Ordinal).ToArray();
        return new KernelSourceSet(main, includes, unresolved.ToArray());
    }

    static string? Find(string name, string includingDir, string[] dirs)
    {
        if (Path.IsPathRooted(name)) return File.Exists(name) ? Path.GetFullPath(name) : null;
        var p = Path.GetFullPath(Path.Combine(includingDir, name));
        if (File.Exists(p)) return p;
        foreach (var d in dirs)
        {
            p = Path.GetFullPath(Path.Combine(d, name));
            if (File.Exists(p)) return p;
        }
        return null;
    }

    static KernelSourceFile Read(string fullPath, string root)
    {
        var rel = Path.GetRelativePath(root, fullPath).Replace('\\', '/');
        return new KernelSourceFile(rel, fullPath, File.ReadAllBytes(fullPath));
    }
}
