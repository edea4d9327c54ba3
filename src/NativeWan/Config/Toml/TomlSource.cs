namespace NativeWan.Config.Toml;

/// <summary>
/// The decoded text of one parsed document plus its name; turns character offsets into 1-based
/// line/column pairs (columns count Unicode code points, a leading BOM is not counted).
/// Shared by all tables of a document so accessors can report where a key was written.
/// </summary>
internal sealed class TomlSource
{
    public string? Name { get; }
    public string Text { get; }
    int[]? _lineStarts;

    public TomlSource(string? name, string text)
    {
        Name = name;
        Text = text;
    }

    public (int Line, int Column) Locate(int offset)
    {
        offset = Math.Clamp(offset, 0, Text.Length);
        _lineStarts ??= BuildLineStarts(Text);
        int idx = Array.BinarySearch(_lineStarts, offset);
        if (idx < 0) idx = ~idx - 1;
        int start = _lineStarts[idx];
        if (idx == 0 && Text.Length > 0 && Text[0] == '\uFEFF') start = Math.Min(1, offset);
        int col = 1;
        for (int i = start; i < offset; i++)
            if (!char.IsLowSurrogate(Text[i])) col++;
        return (idx + 1, col);
    }

    public TomlException Error(int offset, string reason)
    {
        var (line, col) = Locate(offset);
        return new TomlException(reason, Name, line, col);
    }

    static int[] BuildLineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (int i = 0; i < text.Length; i++)
            if (text[i] == '\n') starts.Add(i + 1);
        return starts.ToArray();
    }
}
