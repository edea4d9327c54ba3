using System.Buffers;
using System.Text.Unicode;

namespace NativeWan.Config.Toml;

/// <summary>
/// TOML 1.0.0 reader (https://toml.io/en/v1.0.0). Checked against the toml-test 1.0.0 conformance
/// vectors (all valid documents decode to the expected values, all invalid ones are refused).
/// Multi-line string values have CRLF normalised to LF.
/// </summary>
public static class Toml
{
    /// <summary>Parses a TOML document held in a string (a leading U+FEFF is ignored).</summary>
    /// <param name="text">The document.</param>
    /// <param name="sourceName">Label used in error messages, typically the file name.</param>
    /// <returns>The root table.</returns>
    /// <exception cref="TomlException">Malformed document: message <c>"source:line:column: reason"</c>.</exception>
    public static TomlTable Parse(string text, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new TomlParser(new TomlSource(sourceName, text)).ParseDocument();
    }

    /// <summary>Parses a TOML document given as UTF-8 bytes (optional BOM); invalid UTF-8 is refused.</summary>
    /// <exception cref="TomlException">Invalid UTF-8 or malformed document.</exception>
    public static TomlTable ParseUtf8(ReadOnlySpan<byte> utf8, string? sourceName = null) =>
        Parse(DecodeUtf8(utf8, sourceName), sourceName);

    /// <summary>Reads and parses a UTF-8 TOML file; error messages name the file by <paramref name="path"/>.</summary>
    /// <exception cref="TomlException">Invalid UTF-8 or malformed document.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static TomlTable ParseFile(string path) => ParseUtf8(File.ReadAllBytes(path), path);

    /// <summary>Strict UTF-8 → UTF-16 (no replacement characters); a BOM is kept as U+FEFF for the parser to skip once.</summary>
    internal static string DecodeUtf8(ReadOnlySpan<byte> utf8, string? sourceName)
    {
        if (utf8.Length == 0) return "";
        char[] buf = ArrayPool<char>.Shared.Rent(utf8.Length);
        try
        {
            var status = Utf8.ToUtf16(utf8, buf, out int read, out int written, replaceInvalidSequences: false);
            if (status != OperationStatus.Done)
            {
                var prefix = new TomlSource(sourceName, new string(buf, 0, written));
                throw prefix.Error(written, $"invalid UTF-8 byte 0x{utf8[read]:X2} at byte offset {read}");
            }
            return new string(buf, 0, written);
        }
        finally { ArrayPool<char>.Shared.Return(buf); }
    }
}
