using System.Text;

namespace NativeWan.Config.Toml;

/// <summary>
/// Recursive-descent TOML 1.0.0 parser over decoded text. This file: document structure, keys,
/// headers, arrays, inline tables and the table (re)definition rules; values are in TomlParser.Values.cs.
/// </summary>
internal sealed partial class TomlParser
{
    /// <summary>Deepest allowed nesting of arrays / inline tables (guards the call stack).</summary>
    internal const int MaxDepth = 200;

    readonly TomlSource _src;
    readonly string _s;
    int _p;
    readonly TomlTable _root;
    TomlTable _cur;
    readonly StringBuilder _sb = new();
    readonly List<(string Key, int Pos)> _keys = new();

    public TomlParser(TomlSource src)
    {
        _src = src;
        _s = src.Text;
        _root = NewTable(TomlTableState.Header, "", 0);
        _cur = _root;
    }

    public TomlTable ParseDocument()
    {
        CheckUtf16();
        if (_s.Length > 0 && _s[0] == '\uFEFF') _p = 1;
        while (true)
        {
            SkipWs();
            if (_p >= _s.Length) break;
            char c = _s[_p];
            bool expression = false;
            if (c == '[') { ParseHeader(); expression = true; }
            else if (c != '#' && c != '\n' && c != '\r') { ParseKeyValue(_cur, 0); expression = true; }
            SkipWs();
            if (_p < _s.Length && _s[_p] == '#') SkipComment();
            if (_p >= _s.Length) break;
            if (!TryNewline())
                throw Error(_p, expression
                    ? $"expected end of line, found {Describe(_p)}"
                    : $"unexpected {Describe(_p)}");
        }
        return _root;
    }

    // ------------------------------------------------------------------ lexical helpers

    internal static bool IsBareKeyChar(char c) =>
        (uint)((c | 0x20) - 'a') <= 'z' - 'a' || (uint)(c - '0') <= 9 || c == '_' || c == '-';

    static bool IsControl(char c) => (c < 0x20 && c != '\t') || c == 0x7F;

    TomlException Error(int offset, string reason) => _src.Error(offset, reason);

    string Describe(int offset)
    {
        if (offset >= _s.Length) return "end of file";
        char c = _s[offset];
        if (c == '\n') return "end of line";
        if (c == '\r') return "carriage return";
        if (c < 0x20 || c == 0x7F || char.IsSurrogate(c) || c == '\uFEFF') return $"U+{(int)c:X4}";
        return $"'{c}'";
    }

    void SkipWs()
    {
        while (_p < _s.Length && (_s[_p] == ' ' || _s[_p] == '\t')) _p++;
    }

    /// <summary>Consumes LF or CRLF; a lone CR is an error.</summary>
    bool TryNewline()
    {
        if (_p >= _s.Length) return false;
        if (_s[_p] == '\n') { _p++; return true; }
        if (_s[_p] == '\r')
        {
            if (_p + 1 < _s.Length && _s[_p + 1] == '\n') { _p += 2; return true; }
            throw Error(_p, "carriage return not followed by line feed");
        }
        return false;
    }

    /// <summary>At '#': skips to (not past) the end of line; control characters other than tab are refused.</summary>
    void SkipComment()
    {
        _p++;
        while (_p < _s.Length)
        {
            char c = _s[_p];
            if (c == '\n') return;
            if (c == '\r')
            {
                if (_p + 1 < _s.Length && _s[_p + 1] == '\n') return;
                throw Error(_p, "carriage return not followed by line feed in comment");
            }
            if (IsControl(c)) throw Error(_p, $"control character U+{(int)c:X4} in comment");
            _p++;
        }
    }

    /// <summary>Whitespace, comments and newlines between array elements.</summary>
    void SkipWsCommentsNewlines()
    {
        while (_p < _s.Length)
        {
            char c = _s[_p];
            if (c == ' ' || c == '\t') _p++;
            else if (c == '#') SkipComment();
            else if (!TryNewline()) return;
        }
    }

    void CheckUtf16()
    {
        for (int i = 0; i < _s.Length; i++)
        {
            char c = _s[i];
            if (!char.IsSurrogate(c)) continue;
            if (char.IsHighSurrogate(c) && i + 1 < _s.Length && char.IsLowSurrogate(_s[i + 1])) { i++; continue; }
            throw Error(i, $"invalid text: unpaired surrogate U+{(int)c:X4}");
        }
    }

    // ------------------------------------------------------------------ keys

    /// <summary>Parses a (dotted) key into <see cref="_keys"/>; whitespace around dots is allowed.</summary>
    void ParseKey()
    {
        _keys.Clear();
        while (true)
        {
            int pos = _p;
            if (_p >= _s.Length) throw Error(_p, "expected a key, found end of file");
            char c = _s[_p];
            string key;
            if (c == '"' || c == '\'')
            {
                if (_p + 2 < _s.Length && _s[_p + 1] == c && _s[_p + 2] == c)
                    throw Error(_p, "multi-line strings cannot be used as keys");
                key = c == '"' ? ParseBasicString() : ParseLiteralString();
            }
            else if (IsBareKeyChar(c))
            {
                int start = _p;
                while (_p < _s.Length && IsBareKeyChar(_s[_p])) _p++;
                key = _s.Substring(start, _p - start);
            }
            else throw Error(_p, $"expected a key, found {Describe(_p)}");
            _keys.Add((key, pos));
            SkipWs();
            if (_p < _s.Length && _s[_p] == '.') { _p++; SkipWs(); continue; }
            return;
        }
    }

    /// <summary>Path of a value being parsed, built only when the value is a container.</summary>
    readonly record struct PathRef(string Base, string? Key, int Index)
    {
        public string Build() => Key is not null ? Join(Base, Key) : $"{Base}[{Index}]";
    }

    static string Join(string path, string key) => path.Length == 0 ? TomlTable.FormatKey(key) : path + "." + TomlTable.FormatKey(key);

    TomlTable NewTable(TomlTableState state, string path, int at) =>
        new() { State = state, Source = _src, Path = path, DefinedAt = at };

    // ------------------------------------------------------------------ key = value

    void ParseKeyValue(TomlTable table, int depth)
    {
        ParseKey();
        SkipWs();
        if (_p >= _s.Length || _s[_p] != '=')
            throw Error(_p, $"expected '=' after key '{KeysText(_keys.Count)}', found {Describe(_p)}");
        _p++;
        SkipWs();
        if (_p >= _s.Length || _s[_p] is '\n' or '\r' or '#')
            throw Error(_p, $"missing value for key '{KeysText(_keys.Count)}'");

        TomlTable t = table;
        int n = _keys.Count;
        var (last, lastPos) = _keys[n - 1];
        for (int i = 0; i < n - 1; i++) t = DescendDotted(t, _keys[i].Key, _keys[i].Pos);
        if (t.TryGetValue(last, out var existing))
            throw Error(lastPos, existing is TomlTable
                ? $"duplicate key '{t.KeyPath(last)}': already defined as a table"
                : $"duplicate key '{t.KeyPath(last)}'");
        object value = ParseValue(new PathRef(t.Path, last, -1), depth);
        t.AddParsed(last, value, lastPos);
    }

    string KeysText(int count)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            if (i > 0) sb.Append('.');
            sb.Append(TomlTable.FormatKey(_keys[i].Key));
        }
        return sb.ToString();
    }

    /// <summary>Dotted-key step: creates or re-enters a table made by dotted keys; anything else is a redefinition.</summary>
    TomlTable DescendDotted(TomlTable t, string key, int pos)
    {
        if (!t.TryGetValue(key, out var v))
        {
            var nt = NewTable(TomlTableState.Dotted, t.KeyPath(key), pos);
            t.AddParsed(key, nt, pos);
            return nt;
        }
        if (v is TomlTable tt)
        {
            if (tt.State == TomlTableState.Dotted) return tt;
            if (tt.State == TomlTableState.Inline)
                throw Error(pos, $"cannot add keys to inline table '{tt.Path}': inline tables are immutable");
            throw Error(pos, $"cannot add keys to table '{tt.Path}' with dotted keys: it is defined by a [table] header");
        }
        throw Error(pos, $"key '{t.KeyPath(key)}' is already {TypeArticle(v)}, not a table");
    }

    static string TypeArticle(object v)
    {
        string name = TomlTable.TypeName(v);
        return (name[0] is 'a' or 'e' or 'i' or 'o' or 'u' ? "an " : "a ") + name;
    }

    // ------------------------------------------------------------------ [table] and [[array]]

    void ParseHeader()
    {
        int start = _p;
        bool aot = _p + 1 < _s.Length && _s[_p + 1] == '[';
        _p += aot ? 2 : 1;
        SkipWs();
        ParseKey();
        if (_p >= _s.Length || _s[_p] != ']')
            throw Error(_p, aot ? $"expected ']]' to close array-of-tables header, found {Describe(_p)}"
                : $"expected ']' to close table header, found {Describe(_p)}");
        _p++;
        if (aot)
        {
            if (_p >= _s.Length || _s[_p] != ']')
                throw Error(_p, $"expected ']]' to close array-of-tables header, found {Describe(_p)}");
            _p++;
        }

        TomlTable t = _root;
        int n = _keys.Count;
        for (int i = 0; i < n - 1; i++) t = DescendHeader(t, _keys[i].Key, _keys[i].Pos);
        var (last, lastPos) = _keys[n - 1];
        string path = t.KeyPath(last);
        t.TryGetValue(last, out var v);

        if (aot)
        {
            TomlArray arr;
            if (v is null)
            {
                arr = new TomlArray { IsArrayOfTables = true, Path = path, Source = _src };
                t.AddParsed(last, arr, lastPos);
            }
            else if (v is TomlArray a && a.IsArrayOfTables) arr = a;
            else if (v is TomlArray)
                throw Error(lastPos, $"cannot append to static array '{path}' with [[{path}]]");
            else throw Error(lastPos, $"cannot define array of tables [[{path}]]: '{path}' is already {TypeArticle(v)}");
            var nt = NewTable(TomlTableState.Header, $"{path}[{arr.Count}]", start);
            arr.Add(nt);
            _cur = nt;
            return;
        }

        if (v is null)
        {
            var nt = NewTable(TomlTableState.Header, path, start);
            t.AddParsed(last, nt, lastPos);
            _cur = nt;
        }
        else if (v is TomlTable tt && tt.State == TomlTableState.Implicit)
        {
            tt.State = TomlTableState.Header;
            tt.DefinedAt = start;
            _cur = tt;
        }
        else if (v is TomlTable tt2)
        {
            string how = tt2.State switch
            {
                TomlTableState.Dotted => "by dotted keys",
                TomlTableState.Inline => "as an inline table",
                _ => "",
            };
            string where = tt2.DefinedAt >= 0 ? $" (line {_src.Locate(tt2.DefinedAt).Line})" : "";
            throw Error(lastPos, $"table '{path}' is already defined{(how.Length > 0 ? " " + how : "")}{where}");
        }
        else if (v is TomlArray { IsArrayOfTables: true })
            throw Error(lastPos, $"cannot define table [{path}]: '{path}' is an array of tables");
        else throw Error(lastPos, $"cannot define table [{path}]: '{path}' is already {TypeArticle(v)}");
    }

    /// <summary>Header step: enters (or implicitly creates) a table, or the last table of an array of tables.</summary>
    TomlTable DescendHeader(TomlTable t, string key, int pos)
    {
        if (!t.TryGetValue(key, out var v))
        {
            var nt = NewTable(TomlTableState.Implicit, t.KeyPath(key), pos);
            t.AddParsed(key, nt, pos);
            return nt;
        }
        if (v is TomlTable tt)
        {
            if (tt.State == TomlTableState.Inline)
                throw Error(pos, $"cannot extend inline table '{tt.Path}': inline tables are immutable");
            return tt;
        }
        if (v is TomlArray { IsArrayOfTables: true } arr) return (TomlTable)arr[^1];
        throw Error(pos, $"key '{t.KeyPath(key)}' is already {TypeArticle(v)}, not a table");
    }

    // ------------------------------------------------------------------ arrays and inline tables

    TomlArray ParseArray(string path, int depth)
    {
        int open = _p;
        if (depth > MaxDepth) throw Error(open, $"arrays/inline tables nested deeper than {MaxDepth}");
        _p++;
        var arr = new TomlArray { Path = path, Source = _src };
        while (true)
        {
            SkipWsCommentsNewlines();
            if (_p >= _s.Length) throw Error(open, "unterminated array: missing ']'");
            if (_s[_p] == ']') { _p++; return arr; }
            arr.Add(ParseValue(new PathRef(path, null, arr.Count), depth + 1));
            SkipWsCommentsNewlines();
            if (_p >= _s.Length) throw Error(open, "unterminated array: missing ']'");
            char c = _s[_p];
            if (c == ',') { _p++; continue; }
            if (c == ']') { _p++; return arr; }
            throw Error(_p, $"expected ',' or ']' in array, found {Describe(_p)}");
        }
    }

    TomlTable ParseInlineTable(string path, int depth)
    {
        int open = _p;
        if (depth > MaxDepth) throw Error(open, $"arrays/inline tables nested deeper than {MaxDepth}");
        _p++;
        var t = NewTable(TomlTableState.Inline, path, open);
        SkipWs();
        if (_p < _s.Length && _s[_p] == '}') { _p++; return t; }
        while (true)
        {
            if (_p >= _s.Length) throw Error(open, "unterminated inline table: missing '}'");
            if (_s[_p] is '\n' or '\r' or '#')
                throw Error(_p, "inline tables must be on a single line (TOML 1.0)");
            if (_s[_p] == '}' || _s[_p] == ',') throw Error(_p, $"expected a key in inline table, found {Describe(_p)}");
            ParseKeyValue(t, depth + 1);
            SkipWs();
            if (_p >= _s.Length) throw Error(open, "unterminated inline table: missing '}'");
            char c = _s[_p];
            if (c == ',')
            {
                _p++;
                SkipWs();
                if (_p < _s.Length && _s[_p] == '}') throw Error(_p, "trailing comma in inline table is not allowed (TOML 1.0)");
                continue;
            }
            if (c == '}') { _p++; break; }
            if (c is '\n' or '\r' or '#') throw Error(_p, "inline tables must be on a single line (TOML 1.0)");
            throw Error(_p, $"expected ',' or '}}' in inline table, found {Describe(_p)}");
        }
        Freeze(t);
        return t;
    }

    /// <summary>Marks the dotted sub-tables built inside an inline table immutable as well.</summary>
    static void Freeze(TomlTable t)
    {
        var stack = new Stack<TomlTable>();
        stack.Push(t);
        while (stack.Count > 0)
        {
            var x = stack.Pop();
            x.State = TomlTableState.Inline;
            foreach (var kv in x)
                if (kv.Value is TomlTable { State: TomlTableState.Dotted } child) stack.Push(child);
        }
    }
}
