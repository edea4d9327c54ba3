using System.Text.Json;
using System.Text.RegularExpressions;
using NativeWan.Config.Toml;

namespace NativeWan.Tests.Config;

/// <summary>
/// toml-test conformance vectors (shared/toml-test, see its README). Only the files named in
/// <c>files-toml-1.0.0</c> are run: that list is upstream's TOML 1.0.0 selection, so any TOML 1.1-only
/// cases a fuller copy of the suite might hold (spec-1.1.0/*, \e and \xHH escapes, times without seconds,
/// multi-line inline tables / trailing commas, …) are skipped because this parser implements TOML 1.0.0,
/// where those documents are invalid. The shared copy holds exactly the 1.0.0 files, so nothing listed is skipped.
/// Files are read as bytes (BOM, CRLF, invalid UTF-8 are part of the tests).
/// </summary>
public class TomlConformanceTests
{
    static string SuiteDir => Path.Combine(Golden.SharedDir, "toml-test");

    static List<string> Listed(string prefix)
    {
        var list = File.ReadAllLines(Path.Combine(SuiteDir, "files-toml-1.0.0"))
            .Select(l => l.Trim())
            .Where(l => l.StartsWith(prefix, StringComparison.Ordinal) && l.EndsWith(".toml", StringComparison.Ordinal))
            .Select(l => l[..^".toml".Length])
            .ToList();
        if (list.Count == 0) throw new InvalidOperationException($"no '{prefix}*.toml' cases listed in {SuiteDir}/files-toml-1.0.0");
        return list;
    }

    public static IEnumerable<object[]> ValidCases() => Listed("valid/").Select(n => new object[] { n });
    public static IEnumerable<object[]> InvalidCases() => Listed("invalid/").Select(n => new object[] { n });

    [Fact]
    public void EveryListedFileExists()
    {
        var lines = File.ReadAllLines(Path.Combine(SuiteDir, "files-toml-1.0.0")).Where(l => l.Trim().Length > 0).ToList();
        foreach (var l in lines) Assert.True(File.Exists(Path.Combine(SuiteDir, l.Trim())), $"listed but missing: {l}");
        // Every valid document comes with its expected JSON.
        foreach (var v in Listed("valid/")) Assert.Contains(v + ".json", lines);
        Assert.True(Listed("invalid/").Count > 0);
    }

    [Theory]
    [MemberData(nameof(ValidCases))]
    public void Valid(string name)
    {
        var table = Toml.ParseUtf8(File.ReadAllBytes(Path.Combine(SuiteDir, name + ".toml")), name + ".toml");
        using var expected = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(SuiteDir, name + ".json")));
        TaggedJson.AssertMatches(expected.RootElement, table, "");
    }

    /// <summary>
    /// Every valid document cut at every 5th byte (mid-string, mid-escape, mid-UTF-8 sequence, …) either
    /// parses or throws TomlException — never IndexOutOfRange or similar.
    /// </summary>
    [Fact]
    public void TruncatedDocumentsOnlyThrowTomlException()
    {
        int parses = 0, rejected = 0;
        foreach (var name in Listed("valid/"))
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(SuiteDir, name + ".toml"));
            for (int cut = 1; cut < bytes.Length; cut += 5)
            {
                parses++;
                try { Toml.ParseUtf8(bytes.AsSpan(0, cut), name); }
                catch (TomlException) { rejected++; }
                catch (Exception e) { Assert.Fail($"{name} cut at byte {cut}: {e.GetType().Name}: {e.Message}"); }
            }
        }
        Assert.True(rejected > parses / 4, $"only {rejected} of {parses} truncated documents were rejected");
    }

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public async Task Invalid(string name)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(SuiteDir, name + ".toml"));
        Exception? caught = null;
        TomlTable? parsed = null;
        var run = Task.Run(() =>
        {
            try { parsed = Toml.ParseUtf8(bytes, name + ".toml"); }
            catch (Exception e) { caught = e; }
        });
        bool finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(20))) == run;
        Assert.True(finished, $"{name}: parser did not finish within 20 s");
        Assert.True(caught is not null, $"{name}: accepted an invalid document");
        var ex = Assert.IsType<TomlException>(caught);
        // "invalid/x.toml:LINE:COL: reason" with a real position.
        Assert.Matches(new Regex(@"^" + Regex.Escape(name + ".toml") + @":[1-9]\d*:[1-9]\d*: \S"), ex.Message);
        Assert.True(ex.Line >= 1 && ex.Column >= 1);
    }
}
