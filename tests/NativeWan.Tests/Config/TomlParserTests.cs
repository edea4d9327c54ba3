using System.Text;
using System.Text.Json;
using NativeWan.Config.Toml;

namespace NativeWan.Tests.Config;

/// <summary>Error locations, typed accessors, date/time kinds and edge cases not spelled out by toml-test.</summary>
public class TomlParserTests
{
    static TomlException Fails(string text, string? source = "dataset.toml") =>
        Assert.Throws<TomlException>(() => Toml.Parse(text, source));

    [Fact]
    public void DuplicateKeyMessageHasFileLineColumn()
    {
        var ex = Fails("[general]\nresolution = [960, 544]\n\n[[datasets]]\n  resolution = 1\n  resolution = 2\n");
        Assert.Equal("dataset.toml:6:3: duplicate key 'datasets[0].resolution'", ex.Message);
        Assert.Equal(("dataset.toml", 6, 3), (ex.SourceName, ex.Line, ex.Column));
        Assert.Equal("duplicate key 'datasets[0].resolution'", ex.Reason);
    }

    [Theory]
    [InlineData("a = 1\nb = \n", 2, 5, "missing value for key 'b'")]
    [InlineData("a = 1\nb = tru\n", 2, 5, "expected a value, found 'tru'")]
    [InlineData("a = 0x\n", 1, 5, "invalid hexadecimal integer '0x'")]
    [InlineData("n = 9223372036854775808\n", 1, 5, "integer '9223372036854775808' is out of the 64-bit range")]
    [InlineData("h = 0x8000000000000000\n", 1, 5, "integer '0x8000000000000000' is out of the 64-bit range")]
    [InlineData("d = 2023-02-29\n", 1, 5, "invalid date '2023-02-29': day 29 is out of range for 2023-02")]
    [InlineData("[a]\nx = 1\n[a]\n", 3, 2, "table 'a' is already defined (line 1)")]
    [InlineData("t = {x = 1}\nt.y = 2\n", 2, 1, "cannot add keys to inline table 't': inline tables are immutable")]
    [InlineData("t = {x = 1,}\n", 1, 12, "trailing comma in inline table is not allowed (TOML 1.0)")]
    [InlineData("s = \"a\\qb\"\n", 1, 7, "invalid escape sequence '\\q'")]
    [InlineData("s = \"\\uD800\"\n", 1, 6, "escape \\uD800 is not a Unicode scalar value")]
    [InlineData("a = 1\r\nb = 2\rc = 3\r\n", 2, 6, "carriage return not followed by line feed")]
    [InlineData("a = [1,\n  2,\n  3 4]\n", 3, 5, "expected ',' or ']' in array, found '4'")]
    public void SyntaxErrorsPointAtTheFault(string text, int line, int col, string reason)
    {
        var ex = Fails(text);
        Assert.Equal($"dataset.toml:{line}:{col}: {reason}", ex.Message);
    }

    [Fact]
    public void ColumnsCountCodePointsNotUtf16Units()
    {
        // "𝄞" is one code point (two UTF-16 units), "é" one: the stray word starts at column 11.
        var ex = Fails("k = \"𝄞é\" # ok\nx = \"𝄞é\"  nope\n");
        Assert.Equal((2, 11), (ex.Line, ex.Column));
        var ex2 = Fails("\uFEFFa = 1 2\n");
        Assert.Equal((1, 7), (ex2.Line, ex2.Column)); // BOM is not a column
    }

    [Fact]
    public void InvalidUtf8IsRejectedWithPosition()
    {
        byte[] bytes = [.. Encoding.UTF8.GetBytes("a = 1\nb = \"é"), 0xFF, (byte)'"', (byte)'\n'];
        var ex = Assert.Throws<TomlException>(() => Toml.ParseUtf8(bytes, "cfg.toml"));
        Assert.StartsWith("cfg.toml:2:7: invalid UTF-8 byte 0xFF", ex.Message);
        // Overlong encoding of '/' and an encoded surrogate are invalid too.
        Assert.Throws<TomlException>(() => Toml.ParseUtf8([(byte)'a', (byte)'=', (byte)'"', 0xC0, 0xAF, (byte)'"']));
        Assert.Throws<TomlException>(() => Toml.ParseUtf8([(byte)'a', (byte)'=', (byte)'"', 0xED, 0xA0, 0x80, (byte)'"']));
        // Lone surrogate in a .NET string input.
        Assert.Throws<TomlException>(() => Toml.Parse("a = \"\uD800\""));
    }

    [Fact]
    public void NoSourceNameGivesLineColumnOnly()
    {
        var ex = Assert.Throws<TomlException>(() => Toml.Parse("a = 1\na = 2"));
        Assert.Equal("2:1: duplicate key 'a'", ex.Message);
        Assert.IsAssignableFrom<FormatException>(ex);
    }

    [Fact]
    public void ParseFileNamesTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"nativewan-toml-{Guid.NewGuid():N}.toml");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("[general]\r\nbatch_size = 2\r\nbatch_size = 3\r\n")]);
        try
        {
            var ex = Assert.Throws<TomlException>(() => Toml.ParseFile(path));
            Assert.Equal($"{path}:3:1: duplicate key 'general.batch_size'", ex.Message);
            File.WriteAllText(path, "[general]\r\nbatch_size = 2\r\n");
            Assert.Equal(2, Toml.ParseFile(path).GetTable("general")!.GetLong("batch_size"));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void TypedAccessors()
    {
        var doc = Toml.Parse("""
            [general]
            resolution = [960, 544]
            caption_extension = ".txt"
            batch_size = 1
            enable_bucket = true
            learning_rate = 2e-4
            scale = 3

            [[datasets]]
            video_directory = "/data/v"
            [[datasets]]
            image_directory = "/data/i"
            num_repeats = 5000000000
            """, "dataset.toml");
        var g = doc.GetTable("general")!;
        Assert.Equal(new[] { "resolution", "caption_extension", "batch_size", "enable_bucket", "learning_rate", "scale" }, g.Keys);
        Assert.Equal(".txt", g.GetString("caption_extension"));
        Assert.Equal("x", g.GetString("missing", "x"));
        Assert.Null(g.GetString("missing", null));
        Assert.Equal(1L, g.GetLong("batch_size"));
        Assert.Equal(7L, g.GetLong("missing", 7));
        Assert.Equal(1, g.GetInt("batch_size"));
        Assert.True(g.GetBool("enable_bucket"));
        Assert.False(g.GetBool("missing", false));
        Assert.Equal(2e-4, g.GetDouble("learning_rate"));
        Assert.Equal(3.0, g.GetDouble("scale")); // integer accepted where a float is wanted
        Assert.Equal(0.5, g.GetDouble("missing", 0.5));
        Assert.Equal(new object[] { 960L, 544L }, g.GetArray("resolution")!);
        Assert.Null(g.GetTable("missing"));
        Assert.Null(g.GetArray("missing"));
        Assert.True(g.TryGetValue("scale", out var scale) && scale is long);

        var ds = doc.GetArray("datasets")!;
        Assert.True(ds.IsArrayOfTables);
        var tables = ds.Tables().ToList();
        Assert.Equal("/data/v", tables[0].GetString("video_directory"));
        Assert.Equal("datasets[1]", tables[1].Path);

        Assert.Equal("dataset.toml:4:1: 'general.batch_size' must be a string, got integer",
            Assert.Throws<TomlException>(() => g.GetString("batch_size")).Message);
        Assert.Equal("dataset.toml:6:1: 'general.learning_rate' must be an integer, got float",
            Assert.Throws<TomlException>(() => g.GetLong("learning_rate")).Message);
        Assert.Equal("dataset.toml:3:1: 'general.caption_extension' must be a number, got string",
            Assert.Throws<TomlException>(() => g.GetDouble("caption_extension", 1.0)).Message);
        Assert.Equal("dataset.toml:2:1: 'general.resolution' must be a table, got array",
            Assert.Throws<TomlException>(() => g.GetTable("resolution")).Message);
        Assert.Equal("dataset.toml:1:1: table 'general' is missing required key 'seed'",
            Assert.Throws<TomlException>(() => g.GetLong("seed")).Message);
        Assert.Equal("dataset.toml:13:1: 'datasets[1].num_repeats' = 5000000000 is out of the 32-bit integer range",
            Assert.Throws<TomlException>(() => tables[1].GetInt("num_repeats")).Message);
        Assert.True(g.TryGetPosition("enable_bucket", out int line, out int col));
        Assert.Equal((5, 1), (line, col));
    }

    [Fact]
    public void DateTimeKindsStayDistinct()
    {
        var t = Toml.Parse("""
            odt = 1979-05-27 07:32:00.123456789123-07:00
            odz = 1979-05-27t07:32:00z
            ldt = 1979-05-27T07:32:00.5
            ld = 2024-02-29
            lt = 23:59:60.25
            """);
        var odt = (TomlDateTime)t["odt"];
        Assert.Equal(TomlDateTimeKind.OffsetDateTime, odt.Kind);
        Assert.Equal("1979-05-27 07:32:00.123456789123-07:00", odt.Text);
        Assert.Equal(123_456_789, odt.Nanosecond); // truncated, not rounded
        Assert.Equal(-7 * 60, odt.OffsetMinutes);
        Assert.Equal(new DateTimeOffset(1979, 5, 27, 7, 32, 0, TimeSpan.FromHours(-7)).AddTicks(1_234_567), odt.ToDateTimeOffset());
        Assert.Equal("1979-05-27T07:32:00.123456789-07:00", odt.ToCanonicalString());
        var odz = (TomlDateTime)t["odz"];
        Assert.Equal(new DateTimeOffset(1979, 5, 27, 7, 32, 0, TimeSpan.Zero), odz.ToDateTimeOffset());
        Assert.Equal("1979-05-27T07:32:00Z", odz.ToCanonicalString());
        var ldt = (TomlDateTime)t["ldt"];
        Assert.Equal(TomlDateTimeKind.LocalDateTime, ldt.Kind);
        Assert.Equal(500_000_000, ldt.Nanosecond);
        Assert.Equal(DateTimeKind.Unspecified, ldt.ToDateTime().Kind);
        Assert.Throws<InvalidOperationException>(() => ldt.ToDateTimeOffset());
        var ld = (TomlDateTime)t["ld"];
        Assert.Equal((TomlDateTimeKind.LocalDate, new DateOnly(2024, 2, 29)), (ld.Kind, ld.ToDateOnly()));
        var lt = (TomlDateTime)t["lt"];
        Assert.Equal((TomlDateTimeKind.LocalTime, 60, 250_000_000), (lt.Kind, lt.Second, lt.Nanosecond));
        Assert.Throws<InvalidOperationException>(() => lt.ToDateOnly());
        Assert.Equal(Toml.Parse("a = 1979-05-27T07:32:00Z")["a"], odz); // value equality ignores spelling
    }

    [Fact]
    public void StringsAndNumbers()
    {
        var t = Toml.Parse("ml = \"\"\"\r\nline1\r\nline2 \\\r\n   cont\"\"\"\"\"\nlit = '''a\\b''''\n" +
                           "u = \"\\u00e9\\U0001F600\"\nmin = -9223372036854775808\nhex = 0x7FFF_FFFF_FFFF_FFFF\n" +
                           "bin = 0b1010\noct = 0o777\nf = -0.0\ninf = -inf\nnan = +nan\nexp = 6.626e-34\n");
        Assert.Equal("line1\nline2 cont\"\"", t["ml"]); // CRLF → LF, line-ending backslash trims
        Assert.Equal("a\\b'", t["lit"]);
        Assert.Equal("é😀", t["u"]);
        Assert.Equal(long.MinValue, t["min"]);
        Assert.Equal(long.MaxValue, t["hex"]);
        Assert.Equal(10L, t["bin"]);
        Assert.Equal(511L, t["oct"]);
        Assert.True(double.IsNegative((double)t["f"]) && (double)t["f"] == 0);
        Assert.Equal(double.NegativeInfinity, t["inf"]);
        Assert.True(double.IsNaN((double)t["nan"]));
        Assert.Equal(6.626e-34, t["exp"]);
    }

    [Fact]
    public void DeepNestingFailsCleanly()
    {
        var ex = Fails("a = " + new string('[', 100_000) + new string(']', 100_000));
        Assert.Contains("nested deeper than", ex.Reason);
        var ok = Toml.Parse("a = " + new string('[', 100) + new string(']', 100));
        Assert.IsType<TomlArray>(ok["a"]);
    }

    [Fact]
    public void TaggedJsonComparatorDetectsMismatches()
    {
        var t = Toml.Parse("a = 1\nb = 1.5\nd = 1979-05-27T07:32:00Z\n[c]\n");
        using var good = JsonDocument.Parse("""{"a":{"type":"integer","value":"1"},"b":{"type":"float","value":"1.50"},"d":{"type":"datetime","value":"1979-05-27T00:32:00-07:00"},"c":{}}""");
        TaggedJson.AssertMatches(good.RootElement, t, "");
        string[] bad =
        [
            """{"a":{"type":"integer","value":"2"},"b":{"type":"float","value":"1.5"},"d":{"type":"datetime","value":"1979-05-27T07:32:00Z"},"c":{}}""",
            """{"a":{"type":"float","value":"1"},"b":{"type":"float","value":"1.5"},"d":{"type":"datetime","value":"1979-05-27T07:32:00Z"},"c":{}}""",
            """{"a":{"type":"integer","value":"1"},"b":{"type":"float","value":"1.5"},"d":{"type":"datetime","value":"1979-05-27T07:32:01Z"},"c":{}}""",
            """{"a":{"type":"integer","value":"1"},"b":{"type":"float","value":"1.5"},"d":{"type":"datetime-local","value":"1979-05-27T07:32:00"},"c":{}}""",
            """{"a":{"type":"integer","value":"1"},"b":{"type":"float","value":"1.5"},"d":{"type":"datetime","value":"1979-05-27T07:32:00Z"}}""",
            """{"a":{"type":"integer","value":"1"},"b":{"type":"float","value":"1.5"},"d":{"type":"datetime","value":"1979-05-27T07:32:00Z"},"c":{"x":[]}}""",
        ];
        foreach (var json in bad)
        {
            using var doc = JsonDocument.Parse(json);
            Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => TaggedJson.AssertMatches(doc.RootElement, t, ""));
        }
    }
}
