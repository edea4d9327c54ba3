using NativeWan.Config.Toml;

namespace NativeWan.Training.Config;

/// <summary>
/// musubi-tuner's <c>--config_file</c> (training/parser_common.py <c>read_config_from_file</c>): a TOML file whose keys
/// are the flag names without dashes. Tables are flattened (a <c>[section]</c> only groups keys), <c>.toml</c> is
/// appended when the name lacks it, and flags given on the command line override the file. Unlike musubi, unknown keys
/// are reported as warnings instead of being silently stored.
/// </summary>
public static class TrainConfigFile
{
    /// <summary>The path musubi would read: <paramref name="path"/> with <c>.toml</c> appended when missing.</summary>
    public static string Resolve(string path) => path.EndsWith(".toml", StringComparison.OrdinalIgnoreCase) ? path : path + ".toml";

    /// <summary>
    /// Reads <paramref name="path"/> and sets each key on <paramref name="args"/> (call before applying command-line
    /// flags). Returns warnings: unknown keys (named with their line), nested tables, a <c>config_file</c> key, and
    /// musubi keys that NativeWan ignores.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file (after adding <c>.toml</c>) does not exist.</exception>
    /// <exception cref="TomlException">Malformed TOML, or a value of the wrong type / out of range, located at its line:column.</exception>
    public static IReadOnlyList<string> Apply(TrainArgs args, string path)
    {
        var file = Resolve(path);
        if (!File.Exists(file)) throw new FileNotFoundException($"{file}: config file not found", file);
        var root = Toml.ParseFile(file);
        var warnings = new List<string>();
        var unknown = new List<string>();
        void One(TomlTable table, string key, object value)
        {
            string where = table.TryGetPosition(key, out int line, out int col) ? $"{file}:{line}:{col}" : file;
            if (value is TomlTable)
            {
                warnings.Add($"{where}: nested table '{table.KeyPath(key)}' ignored (only one level of [sections] is read)");
                return;
            }
            if (key == "config_file")
            {
                warnings.Add($"{where}: 'config_file' inside a config file is ignored");
                return;
            }
            if (!TrainArgs.IsKnown(key))
            {
                unknown.Add(line > 0 ? $"{table.KeyPath(key)} (line {line})" : table.KeyPath(key));
                return;
            }
            try { args.Set(key, value, where); }
            catch (TrainArgException e) { throw table.ErrorAtKey(key, $"'{table.KeyPath(key)}': {e.Message}"); }
        }
        foreach (var (key, value) in root)
        {
            if (value is TomlTable section)
                foreach (var (k, v) in section) One(section, k, v);
            else One(root, key, value);
        }
        if (unknown.Count > 0)
            warnings.Insert(0, $"{file}: unknown key{(unknown.Count > 1 ? "s" : "")} ignored: {string.Join(", ", unknown)}");
        return warnings;
    }
}
