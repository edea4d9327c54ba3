using System.Globalization;
using System.Text.RegularExpressions;

namespace NativeWan.Generation;

/// <summary>
/// Parser of musubi-tuner's text sample-prompts format: one prompt per line, options introduced by <c>" --"</c>
/// (the line is split on that string; the first piece is the prompt). Option letters (case-insensitive): <c>w</c> width,
/// <c>h</c> height, <c>f</c> frames, <c>d</c> seed, <c>s</c> steps (clamped to 1…1000), <c>l</c> CFG scale, <c>fs</c> flow
/// shift, <c>n</c> negative prompt, <c>i</c> image path; <c>g</c>, <c>ei</c>, <c>cn</c>, <c>ci</c>, <c>of</c> and unknown
/// options are kept in <see cref="SamplePrompt.Ignored"/>. Blank lines and lines starting with <c>#</c> (after leading
/// whitespace) are skipped. Unlike musubi, a malformed number is an error (musubi logs it and goes on) and the prompt
/// text itself is never read as an option. The TOML/JSON forms musubi also accepts are not supported.
/// </summary>
public static partial class SamplePromptFile
{
    /// <summary>Reads and parses a UTF-8 prompts file.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="FormatException">A malformed option value (message names file and line).</exception>
    public static IReadOnlyList<SamplePrompt> Load(string path) => Parse(File.ReadAllLines(path), path);

    /// <summary>Parses prompt lines.</summary>
    /// <param name="lines">The file's lines.</param>
    /// <param name="sourceName">Named in error messages.</param>
    /// <exception cref="FormatException">A malformed option value.</exception>
    public static IReadOnlyList<SamplePrompt> Parse(IEnumerable<string> lines, string sourceName = "prompts")
    {
        ArgumentNullException.ThrowIfNull(lines);
        var result = new List<SamplePrompt>();
        int lineNo = 0;
        foreach (var raw in lines)
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            result.Add(ParseLine(line, result.Count, $"{sourceName}:{lineNo}"));
        }
        return result;
    }

    /// <summary>Parses one non-comment line into prompt number <paramref name="index"/>.</summary>
    /// <exception cref="FormatException">A malformed option value (message starts with <paramref name="where"/>).</exception>
    public static SamplePrompt ParseLine(string line, int index, string where = "prompt")
    {
        ArgumentNullException.ThrowIfNull(line);
        var parts = line.Split(" --");
        var p = new SamplePrompt(index, parts[0].Trim());
        var ignored = new List<string>();
        for (int k = 1; k < parts.Length; k++)
        {
            var part = parts[k];
            var m = OptionRegex().Match(part);
            if (!m.Success) { if (part.Trim().Length > 0) ignored.Add("--" + part.Trim()); continue; }
            string key = m.Groups[1].Value.ToLowerInvariant(), val = m.Groups[2].Value;
            string Trimmed() => val.Trim();
            switch (key)
            {
                case "w": p = p with { Width = Int(where, key, Trimmed()) }; break;
                case "h": p = p with { Height = Int(where, key, Trimmed()) }; break;
                case "f": p = p with { Frames = Int(where, key, Trimmed()) }; break;
                case "d":
                    if (!ulong.TryParse(Trimmed(), NumberStyles.None, CultureInfo.InvariantCulture, out var seed))
                        throw new FormatException($"{where}: --d needs a non-negative integer seed, got '{Trimmed()}'");
                    p = p with { Seed = seed }; break;
                case "s": p = p with { Steps = Math.Clamp(Int(where, key, Trimmed()), 1, 1000) }; break;
                case "l": p = p with { GuidanceScale = (float)Real(where, key, Trimmed()) }; break;
                case "fs": p = p with { Shift = Real(where, key, Trimmed()) }; break;
                case "n": p = p with { NegativePrompt = val }; break;
                case "i": p = p with { ImagePath = Trimmed() }; break;
                default: ignored.Add("--" + part.Trim()); break;
            }
        }
        return ignored.Count > 0 ? p with { Ignored = ignored } : p;
    }

    static int Int(string where, string key, string v) =>
        int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n : throw new FormatException($"{where}: --{key} needs a non-negative integer, got '{v}'");

    static double Real(string where, string key, string v) =>
        Regex.IsMatch(v, @"^[0-9.]+$") && double.TryParse(v, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d)
            ? d : throw new FormatException($"{where}: --{key} needs a non-negative number, got '{v}'");

    /// <summary>Option letter(s), one space, value (musubi's <c>re.match(r"w (\d+)", …)</c> shape).</summary>
    [GeneratedRegex(@"^(fs|ei|cn|ci|of|[a-z]+) (.+)$", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex OptionRegex();
}
