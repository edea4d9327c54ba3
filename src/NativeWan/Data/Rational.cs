using System.Globalization;

namespace NativeWan.Data;

/// <summary>An exact frame rate or time base as ffprobe reports it (<c>"30000/1001"</c>). Zero denominator = unknown.</summary>
public readonly record struct Rational(long Numerator, long Denominator)
{
    /// <summary>Numerator / Denominator as a double; NaN when the denominator is 0.</summary>
    public double Value => Denominator == 0 ? double.NaN : (double)Numerator / Denominator;

    /// <summary>True when both parts are positive.</summary>
    public bool IsValid => Numerator > 0 && Denominator > 0;

    /// <summary>Parses <c>"n/d"</c> or a plain integer; anything else gives <c>0/0</c>.</summary>
    public static Rational Parse(string? s)
    {
        if (string.IsNullOrWhiteSpace(s)) return default;
        var slash = s.IndexOf('/');
        if (slash < 0)
            return long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? new Rational(n, 1) : default;
        return long.TryParse(s.AsSpan(0, slash), NumberStyles.Integer, CultureInfo.InvariantCulture, out var a)
            && long.TryParse(s.AsSpan(slash + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var b)
            ? new Rational(a, b) : default;
    }

    public override string ToString() => $"{Numerator}/{Denominator}";
}
