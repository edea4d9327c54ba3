using System.Globalization;

namespace NativeWan.Config.Toml;

/// <summary>Values: strings (4 kinds + escapes), integers, floats, booleans, date/times (TOML 1.0 ABNF).</summary>
internal sealed partial class TomlParser
{
    object ParseValue(PathRef path, int depth)
    {
        if (_p >= _s.Length) throw Error(_p, "expected a value, found end of file");
        char c = _s[_p];
        switch (c)
        {
            case '"':
                return StartsWith("\"\"\"") ? ParseMultilineString('"') : ParseBasicString();
            case '\'':
                return StartsWith("'''") ? ParseMultilineString('\'') : ParseLiteralString();
            case '[':
                return ParseArray(path.Build(), depth);
            case '{':
                return ParseInlineTable(path.Build(), depth);
            case 't':
                if (StartsWith("true")) { _p += 4; CheckValueEnd(_p - 4); return true; }
                break;
            case 'f':
                if (StartsWith("false")) { _p += 5; CheckValueEnd(_p - 5); return false; }
                break;
            default:
                if ((uint)(c - '0') <= 9 || c is '+' or '-' or 'i' or 'n') return ParseNumberOrDateTime();
                break;
        }
        int end = _p;
        while (end < _s.Length && IsBareKeyChar(_s[end]) && end - _p < 40) end++;
        string word = end > _p ? $"'{_s[_p..end]}'" : Describe(_p);
        throw Error(_p, $"expected a value, found {word}");
    }

    bool StartsWith(string lit) => string.CompareOrdinal(_s, _p, lit, 0, lit.Length) == 0;

    /// <summary>Refuses scalars glued to more word characters (<c>truex</c>, <c>1979-05-27x</c>).</summary>
    void CheckValueEnd(int start)
    {
        if (_p < _s.Length && (IsBareKeyChar(_s[_p]) || _s[_p] is '.' or ':' or '+'))
        {
            int end = _p;
            while (end < _s.Length && (IsBareKeyChar(_s[end]) || _s[end] is '.' or ':' or '+')) end++;
            throw Error(start, $"invalid value '{_s[start..end]}'");
        }
    }

    // ------------------------------------------------------------------ strings

    /// <summary>At '"': a single-line basic string with escapes.</summary>
    string ParseBasicString()
    {
        int open = _p++;
        _sb.Clear();
        while (true)
        {
            int run = _p;
            while (_p < _s.Length && _s[_p] != '"' && _s[_p] != '\\' && !IsControl(_s[_p])) _p++;
            _sb.Append(_s, run, _p - run);
            if (_p >= _s.Length) throw Error(open, "unterminated string");
            char c = _s[_p];
            if (c == '"') { _p++; return _sb.ToString(); }
            if (c == '\\') { ReadEscape(); continue; }
            if (c is '\n' or '\r') throw Error(_p, "unterminated string: newline before closing '\"'");
            throw Error(_p, $"control character U+{(int)c:X4} in string must be escaped");
        }
    }

    /// <summary>At '\'': a single-line literal string (no escapes).</summary>
    string ParseLiteralString()
    {
        int open = _p++;
        int start = _p;
        while (true)
        {
            if (_p >= _s.Length) throw Error(open, "unterminated literal string");
            char c = _s[_p];
            if (c == '\'') { _p++; return _s.Substring(start, _p - 1 - start); }
            if (c is '\n' or '\r') throw Error(_p, "unterminated literal string: newline before closing \"'\"");
            if (IsControl(c)) throw Error(_p, $"control character U+{(int)c:X4} in literal string");
            _p++;
        }
    }

    /// <summary>
    /// At <c>"""</c> or <c>'''</c>: a multi-line string. A newline right after the opening delimiter is
    /// dropped, CRLF becomes LF, up to two quotes may precede the closing delimiter, and in basic strings
    /// a line-ending backslash trims the following whitespace and newlines.
    /// </summary>
    string ParseMultilineString(char q)
    {
        int open = _p;
        bool basic = q == '"';
        _p += 3;
        if (_p < _s.Length && _s[_p] == '\n') _p++;
        else if (_p + 1 < _s.Length && _s[_p] == '\r' && _s[_p + 1] == '\n') _p += 2;
        _sb.Clear();
        while (true)
        {
            int run = _p;
            while (_p < _s.Length && _s[_p] != q && _s[_p] != '\\' && !IsControl(_s[_p])) _p++;
            _sb.Append(_s, run, _p - run);
            if (_p >= _s.Length) throw Error(open, "unterminated multi-line string");
            char c = _s[_p];
            if (c == q)
            {
                int n = 1;
                while (_p + n < _s.Length && _s[_p + n] == q) n++;
                if (n < 3) { _sb.Append(q, n); _p += n; continue; }
                if (n > 5) throw Error(_p + 5, $"too many {q} characters closing a multi-line string");
                _sb.Append(q, n - 3);
                _p += n;
                return _sb.ToString();
            }
            if (c == '\\')
            {
                if (!basic) { _sb.Append('\\'); _p++; continue; }
                int k = _p + 1;
                while (k < _s.Length && (_s[k] == ' ' || _s[k] == '\t')) k++;
                if (k < _s.Length && (_s[k] == '\n' || (_s[k] == '\r' && k + 1 < _s.Length && _s[k + 1] == '\n')))
                {
                    _p = k;
                    while (_p < _s.Length)
                    {
                        if (_s[_p] is ' ' or '\t') _p++;
                        else if (!TryNewline()) break;
                    }
                    continue;
                }
                ReadEscape();
                continue;
            }
            if (c == '\n') { _sb.Append('\n'); _p++; continue; }
            if (c == '\r')
            {
                if (_p + 1 < _s.Length && _s[_p + 1] == '\n') { _sb.Append('\n'); _p += 2; continue; }
                throw Error(_p, "carriage return not followed by line feed in multi-line string");
            }
            throw Error(_p, $"control character U+{(int)c:X4} in {(basic ? "" : "literal ")}string{(basic ? " must be escaped" : "")}");
        }
    }

    /// <summary>At '\\': appends one escape sequence (TOML 1.0: \b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX).</summary>
    void ReadEscape()
    {
        int at = _p;
        if (_p + 1 >= _s.Length) throw Error(at, "unterminated escape sequence");
        char e = _s[_p + 1];
        _p += 2;
        switch (e)
        {
            case 'b': _sb.Append('\b'); return;
            case 't': _sb.Append('\t'); return;
            case 'n': _sb.Append('\n'); return;
            case 'f': _sb.Append('\f'); return;
            case 'r': _sb.Append('\r'); return;
            case '"': _sb.Append('"'); return;
            case '\\': _sb.Append('\\'); return;
            case 'u':
            case 'U':
                int len = e == 'u' ? 4 : 8;
                uint v = 0;
                for (int i = 0; i < len; i++)
                {
                    int d = _p + i < _s.Length ? HexValue(_s[_p + i]) : -1;
                    if (d < 0) throw Error(at, $"escape \\{e} needs exactly {len} hexadecimal digits");
                    v = (v << 4) | (uint)d;
                }
                _p += len;
                if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
                    throw Error(at, $"escape \\{e}{_s.Substring(_p - len, len)} is not a Unicode scalar value");
                if (v < 0x10000) _sb.Append((char)v);
                else
                {
                    v -= 0x10000;
                    _sb.Append((char)(0xD800 + (v >> 10))).Append((char)(0xDC00 + (v & 0x3FF)));
                }
                return;
            default:
                throw Error(at, e < 0x20 || e == 0x7F
                    ? $"invalid escape sequence: backslash followed by U+{(int)e:X4}"
                    : $"invalid escape sequence '\\{e}'");
        }
    }

    static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    // ------------------------------------------------------------------ numbers

    static bool IsDigit(char c) => (uint)(c - '0') <= 9;
    bool DigitAt(int i) => i < _s.Length && IsDigit(_s[i]);

    object ParseNumberOrDateTime()
    {
        int start = _p;
        if (DigitAt(start) && DigitAt(start + 1))
        {
            if (DigitAt(start + 2) && DigitAt(start + 3) && start + 4 < _s.Length && _s[start + 4] == '-')
                return ParseDateTime(start);
            if (start + 2 < _s.Length && _s[start + 2] == ':') return ParseLocalTime(start);
        }
        int end = _p;
        while (end < _s.Length && (IsBareKeyChar(_s[end]) || _s[end] is '.' or '+')) end++;
        _p = end;
        return ParseNumber(_s.AsSpan(start, end - start), start);
    }

    /// <summary>Integer (decimal / 0x / 0o / 0b, underscores between digits) or float (incl. inf/nan).</summary>
    object ParseNumber(ReadOnlySpan<char> tok, int at)
    {
        int i = 0;
        bool signed = tok.Length > 0 && tok[0] is '+' or '-';
        if (signed) i = 1;
        var rest = tok[i..];
        if (rest.SequenceEqual("inf")) return tok[0] == '-' ? double.NegativeInfinity : double.PositiveInfinity;
        if (rest.SequenceEqual("nan")) return double.NaN;
        if (rest.Length >= 2 && rest[0] == '0' && rest[1] is 'x' or 'o' or 'b')
        {
            if (signed) throw Error(at, $"invalid number '{tok}': a sign is not allowed on hexadecimal, octal or binary integers");
            return ParseRadix(tok, at);
        }

        int intStart = i;
        if (!ScanDigits(tok, ref i, 10)) throw Error(at, $"invalid number '{tok}'");
        if (tok[intStart] == '0' && i - intStart > 1) throw Error(at, $"invalid number '{tok}': leading zeros are not allowed");
        bool isFloat = false;
        if (i < tok.Length && tok[i] == '.')
        {
            i++;
            if (!ScanDigits(tok, ref i, 10)) throw Error(at, $"invalid float '{tok}': a digit must follow the decimal point");
            isFloat = true;
        }
        if (i < tok.Length && tok[i] is 'e' or 'E')
        {
            i++;
            if (i < tok.Length && tok[i] is '+' or '-') i++;
            if (!ScanDigits(tok, ref i, 10)) throw Error(at, $"invalid float '{tok}': the exponent needs digits");
            isFloat = true;
        }
        if (i != tok.Length) throw Error(at, $"invalid number '{tok}'");

        Span<char> clean = tok.Length <= 128 ? stackalloc char[tok.Length] : new char[tok.Length];
        int n = 0;
        foreach (char c in tok) if (c != '_') clean[n++] = c;
        clean = clean[..n];
        if (isFloat)
        {
            double d = double.Parse(clean, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (double.IsInfinity(d)) throw Error(at, $"float '{tok}' is out of the 64-bit range");
            return d;
        }
        if (!long.TryParse(clean, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
            throw Error(at, $"integer '{tok}' is out of the 64-bit range");
        return l;
    }

    object ParseRadix(ReadOnlySpan<char> tok, int at)
    {
        int radix = tok[1] switch { 'x' => 16, 'o' => 8, _ => 2 };
        int i = 2;
        if (!ScanDigits(tok, ref i, radix) || i != tok.Length)
            throw Error(at, $"invalid {(radix == 16 ? "hexadecimal" : radix == 8 ? "octal" : "binary")} integer '{tok}'");
        ulong v = 0;
        int shift = radix == 16 ? 4 : radix == 8 ? 3 : 1;
        for (int k = 2; k < tok.Length; k++)
        {
            if (tok[k] == '_') continue;
            if (v > (ulong)long.MaxValue >> shift) throw Error(at, $"integer '{tok}' is out of the 64-bit range");
            v = (v << shift) | (uint)HexValue(tok[k]);
        }
        if (v > long.MaxValue) throw Error(at, $"integer '{tok}' is out of the 64-bit range");
        return (long)v;
    }

    /// <summary>One or more digits of <paramref name="radix"/>, single underscores allowed only between digits.</summary>
    static bool ScanDigits(ReadOnlySpan<char> tok, ref int i, int radix)
    {
        if (i >= tok.Length || !IsRadixDigit(tok[i], radix)) return false;
        i++;
        while (i < tok.Length)
        {
            if (IsRadixDigit(tok[i], radix)) i++;
            else if (tok[i] == '_' && i + 1 < tok.Length && IsRadixDigit(tok[i + 1], radix)) i += 2;
            else break;
        }
        return true;
    }

    static bool IsRadixDigit(char c, int radix) => radix switch
    {
        10 => IsDigit(c),
        16 => HexValue(c) >= 0,
        8 => (uint)(c - '0') <= 7,
        _ => c is '0' or '1',
    };

    // ------------------------------------------------------------------ date / time

    int TwoDigits(int at, string what)
    {
        if (!DigitAt(at) || !DigitAt(at + 1)) throw Error(at, $"invalid {what}: expected two digits");
        return (_s[at] - '0') * 10 + (_s[at + 1] - '0');
    }

    void ExpectChar(int at, char c, string what)
    {
        if (at >= _s.Length || _s[at] != c) throw Error(at, $"invalid {what}: expected '{c}', found {Describe(at)}");
    }

    /// <summary>At a <c>YYYY-</c> prefix: local date, local date-time or offset date-time (RFC 3339, T/t/space separator).</summary>
    TomlDateTime ParseDateTime(int start)
    {
        const string what = "date";
        int year = (_s[start] - '0') * 1000 + (_s[start + 1] - '0') * 100 + (_s[start + 2] - '0') * 10 + (_s[start + 3] - '0');
        int q = start + 5;
        int month = TwoDigits(q, what); q += 2;
        ExpectChar(q, '-', what); q++;
        int day = TwoDigits(q, what); q += 2;
        if (month is < 1 or > 12) throw Error(start, $"invalid date '{_s[start..q]}': month {month} is out of range");
        if (day < 1 || day > TomlDateTime.DaysInMonth(year, month))
            throw Error(start, $"invalid date '{_s[start..q]}': day {day} is out of range for {year:D4}-{month:D2}");
        _p = q;
        bool hasTime = q < _s.Length && (_s[q] is 'T' or 't' || (_s[q] == ' ' && DigitAt(q + 1)));
        if (!hasTime)
        {
            CheckValueEnd(start);
            return new TomlDateTime(TomlDateTimeKind.LocalDate, year, month, day, 0, 0, 0, 0, 0, _s[start..q], 0);
        }
        _p = q + 1;
        var (h, mi, sec, ns, digits) = ParseTimeFields(start);
        var kind = TomlDateTimeKind.LocalDateTime;
        int offset = 0;
        if (_p < _s.Length && _s[_p] is 'Z' or 'z')
        {
            kind = TomlDateTimeKind.OffsetDateTime;
            _p++;
        }
        else if (_p < _s.Length && _s[_p] is '+' or '-')
        {
            kind = TomlDateTimeKind.OffsetDateTime;
            int sign = _s[_p] == '-' ? -1 : 1;
            int oh = TwoDigits(_p + 1, "time offset");
            ExpectChar(_p + 3, ':', "time offset");
            int om = TwoDigits(_p + 4, "time offset");
            if (oh > 23 || om > 59) throw Error(_p, $"invalid time offset '{_s.Substring(_p, 6)}'");
            offset = sign * (oh * 60 + om);
            _p += 6;
        }
        CheckValueEnd(start);
        return new TomlDateTime(kind, year, month, day, h, mi, sec, ns, offset, _s[start.._p], digits);
    }

    TomlDateTime ParseLocalTime(int start)
    {
        _p = start;
        var (h, mi, sec, ns, digits) = ParseTimeFields(start);
        CheckValueEnd(start);
        return new TomlDateTime(TomlDateTimeKind.LocalTime, 0, 0, 0, h, mi, sec, ns, 0, _s[start.._p], digits);
    }

    /// <summary>At <c>HH:MM:SS[.frac]</c> (seconds required in TOML 1.0); fraction truncated to nanoseconds.</summary>
    (int H, int M, int S, int Ns, int Digits) ParseTimeFields(int valueStart)
    {
        const string what = "time";
        int q = _p;
        int h = TwoDigits(q, what); q += 2;
        ExpectChar(q, ':', what); q++;
        int mi = TwoDigits(q, what); q += 2;
        ExpectChar(q, ':', what); q++;
        int sec = TwoDigits(q, what); q += 2;
        if (h > 23 || mi > 59 || sec > 60)
            throw Error(_p, $"invalid time '{_s[_p..q]}': hour, minute or second out of range");
        int ns = 0, digits = 0;
        if (q < _s.Length && _s[q] == '.')
        {
            q++;
            if (!DigitAt(q)) throw Error(q, "invalid time: a digit must follow the decimal point");
            while (DigitAt(q))
            {
                if (digits < 9) ns = ns * 10 + (_s[q] - '0');
                digits++;
                q++;
            }
            for (int k = Math.Min(digits, 9); k < 9; k++) ns *= 10;
        }
        _p = q;
        return (h, mi, sec, ns, digits);
    }
}
