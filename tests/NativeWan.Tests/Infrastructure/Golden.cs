namespace NativeWan.Tests;

/// <summary>Locates the golden reference directory: <c>NATIVEWAN_GOLDEN_DIR</c>, else <c>../shared/golden</c> from the repo root.</summary>
public static class Golden
{
    public static string Dir { get; } = Find();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Dir, .. parts]);

    /// <summary>The shared/ folder beside the checkout (toml-test, datasets).</summary>
    public static string SharedDir => System.IO.Path.GetFullPath(System.IO.Path.Combine(Dir, ".."));

    static string Find()
    {
        var env = Environment.GetEnvironmentVariable("NATIVEWAN_GOLDEN_DIR");
        if (!string.IsNullOrEmpty(env)) return System.IO.Path.GetFullPath(env);
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !File.Exists(System.IO.Path.Combine(d.FullName, "NativeWan.sln"))) d = d.Parent;
        var root = d?.FullName ?? Directory.GetCurrentDirectory();
        return System.IO.Path.GetFullPath(System.IO.Path.Combine(root, "..", "shared", "golden"));
    }
}
