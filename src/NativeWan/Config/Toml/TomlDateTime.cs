using System.Globalization;
using System.Text;

namespace NativeWan.Config.Toml;

/// <summary>The four TOML date/time value types (TOML 1.0 §Offset Date-Time … §Local Time).</summary>
public enum TomlDateTimeKind
{
    /// <summary><c>1979-05-27T07:32:00-07:00</c>: date, time and UTC offset.</summary>
    OffsetDateTime,
    /// <summary><c>1979-05-27T07:32:00</c>: date and time, no offset.</summary>
    LocalDateTime,
    /// <summary><c>1979-05-27</c>.</summary>
    LocalDate,
    /// <summary><c>07:32:00.999</c>.</summary>
    LocalTime,
}

/// <summary>
/// A TOML date/time value with its kind kept distinct and the original text preserved.
/// Fields that the kind does not carry are zero (time of a local date, date of a local time,
/// <see cref="OffsetMinutes"/> of non-offset kinds). Fractional seconds are kept to nanoseconds
/// (further digits truncated, never rounded). <see cref="Second"/> may be 60 (RFC 3339 leap second).
/// Equality compares the value fields (not <see cref="Text"/>), so <c>T</c>/space and <c>Z</c>/<c>z</c>
/// spellings are equal; offset date-times compare field-wise, not by instant.
/// </summary>
public sealed class TomlDateTime : IEquatable<TomlDateTime>
{
    /// <summary>Which of the four TOML date/time types this is.</summary>
    public TomlDateTimeKind Kind { get; }
    /// <summary>Year 0..9999 (0 for a local time).</summary>
    public int Year { get; }
    /// <summary>Month 1..12 (0 for a local time).</summary>
    public int Month { get; }
    /// <summary>Day of month 1..31, validated against month and leap year (0 for a local time).</summary>
    public int Day { get; }
    /// <summary>Hour 0..23 (0 for a local date).</summary>
    public int Hour { get; }
    /// <summary>Minute 0..59 (0 for a local date).</summary>
    public int Minute { get; }
    /// <summary>Second 0..60, 60 being a leap second (0 for a local date).</summary>
    public int Second { get; }
    /// <summary>Fraction of the second in nanoseconds (0..999 999 999).</summary>
    public int Nanosecond { get; }
    /// <summary>Number of fraction digits written in the source (0 when none).</summary>
    public int FractionDigits { get; }
    /// <summary>UTC offset in minutes (<c>Z</c> is 0); 0 for the local kinds.</summary>
    public int OffsetMinutes { get; }
    /// <summary>The value exactly as written in the document.</summary>
    public string Text { get; }

    /// <summary>True unless the value is a local time.</summary>
    public bool HasDate => Kind != TomlDateTimeKind.LocalTime;
    /// <summary>True unless the value is a local date.</summary>
    public bool HasTime => Kind != TomlDateTimeKind.LocalDate;

    /// <summary>Creates a value; ranges are validated (day against month and leap year, second ≤ 60, offset ≤ ±23:59).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A field is out of range.</exception>
    public TomlDateTime(TomlDateTimeKind kind, int year, int month, int day, int hour, int minute, int second,
        int nanosecond = 0, int offsetMinutes = 0, string? text = null, int fractionDigits = -1)
    {
        if (kind != TomlDateTimeKind.LocalTime)
        {
            if ((uint)year > 9999) throw new ArgumentOutOfRangeException(nameof(year));
            if (month is < 1 or > 12) throw new ArgumentOutOfRangeException(nameof(month));
            if (day < 1 || day > DaysInMonth(year, month)) throw new ArgumentOutOfRangeException(nameof(day));
        }
        else year = month = day = 0;
        if (kind != TomlDateTimeKind.LocalDate)
        {
            if ((uint)hour > 23) throw new ArgumentOutOfRangeException(nameof(hour));
            if ((uint)minute > 59) throw new ArgumentOutOfRangeException(nameof(minute));
            if ((uint)second > 60) throw new ArgumentOutOfRangeException(nameof(second));
            if ((uint)nanosecond > 999_999_999) throw new ArgumentOutOfRangeException(nameof(nanosecond));
        }
        else hour = minute = second = nanosecond = 0;
        if (kind == TomlDateTimeKind.OffsetDateTime)
        {
            if (Math.Abs(offsetMinutes) > 23 * 60 + 59) throw new ArgumentOutOfRangeException(nameof(offsetMinutes));
        }
        else offsetMinutes = 0;
        Kind = kind;
        Year = year; Month = month; Day = day;
        Hour = hour; Minute = minute; Second = second; Nanosecond = nanosecond;
        OffsetMinutes = offsetMinutes;
        FractionDigits = fractionDigits >= 0 ? fractionDigits : (nanosecond == 0 ? 0 : 9);
        Text = text ?? "";
        if (text is null) Text = ToCanonicalString();
    }

    /// <summary>Days in the month of the proleptic Gregorian calendar (year 0 is a leap year).</summary>
    public static int DaysInMonth(int year, int month) => month switch
    {
        2 => (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28,
        4 or 6 or 9 or 11 => 30,
        _ => 31,
    };

    /// <summary>
    /// RFC 3339 form: <c>T</c> separator, upper-case <c>Z</c> for a zero offset written as Z, otherwise
    /// <c>±hh:mm</c>; the fraction is written with the source's digit count (at most 9).
    /// </summary>
    public string ToCanonicalString()
    {
        var sb = new StringBuilder(40);
        var inv = CultureInfo.InvariantCulture;
        if (HasDate) sb.Append(inv, $"{Year:D4}-{Month:D2}-{Day:D2}");
        if (HasDate && HasTime) sb.Append('T');
        if (HasTime)
        {
            sb.Append(inv, $"{Hour:D2}:{Minute:D2}:{Second:D2}");
            int digits = Math.Min(FractionDigits, 9);
            if (digits > 0)
            {
                string ns = Nanosecond.ToString("D9", inv);
                sb.Append('.').Append(ns, 0, digits);
            }
        }
        if (Kind == TomlDateTimeKind.OffsetDateTime)
        {
            if (OffsetMinutes == 0 && Text.Length > 0 && (Text[^1] == 'Z' || Text[^1] == 'z')) sb.Append('Z');
            else
            {
                int a = Math.Abs(OffsetMinutes);
                sb.Append(OffsetMinutes < 0 ? '-' : '+').Append(inv, $"{a / 60:D2}:{a % 60:D2}");
            }
        }
        return sb.ToString();
    }

    /// <summary>The instant of an offset date-time (100 ns resolution, nanoseconds truncated; second 60 rolls over).</summary>
    /// <exception cref="InvalidOperationException">Kind is not <see cref="TomlDateTimeKind.OffsetDateTime"/>.</exception>
    public DateTimeOffset ToDateTimeOffset()
    {
        if (Kind != TomlDateTimeKind.OffsetDateTime)
            throw new InvalidOperationException($"'{Text}' is a {Kind}, not an offset date-time");
        return new DateTimeOffset(LocalTicks(), TimeSpan.FromMinutes(OffsetMinutes));
    }

    /// <summary>
    /// The date (and time) as a <see cref="DateTime"/>: Unspecified kind for local date-times and dates,
    /// UTC for offset date-times.
    /// </summary>
    /// <exception cref="InvalidOperationException">Kind is <see cref="TomlDateTimeKind.LocalTime"/>.</exception>
    public DateTime ToDateTime()
    {
        if (Kind == TomlDateTimeKind.LocalTime)
            throw new InvalidOperationException($"'{Text}' is a local time and has no date");
        if (Kind == TomlDateTimeKind.OffsetDateTime) return ToDateTimeOffset().UtcDateTime;
        return new DateTime(LocalTicks(), DateTimeKind.Unspecified);
    }

    /// <summary>The date part. <exception cref="InvalidOperationException">Kind is LocalTime.</exception></summary>
    public DateOnly ToDateOnly() => HasDate ? new DateOnly(Year, Month, Day)
        : throw new InvalidOperationException($"'{Text}' is a local time and has no date");

    /// <summary>The time part (second 60 clamps to 59.9999999). <exception cref="InvalidOperationException">Kind is LocalDate.</exception></summary>
    public TimeOnly ToTimeOnly()
    {
        if (!HasTime) throw new InvalidOperationException($"'{Text}' is a local date and has no time");
        if (Second == 60) return new TimeOnly(Hour, Minute, 59).Add(TimeSpan.FromTicks(TimeSpan.TicksPerSecond - 1));
        return new TimeOnly(Hour, Minute, Second).Add(TimeSpan.FromTicks(Nanosecond / 100));
    }

    long LocalTicks()
    {
        if (Year == 0) throw new InvalidOperationException($"'{Text}': year 0 is not representable as a .NET date");
        var dt = new DateTime(Year, Month, Day, Hour, Minute, Math.Min(Second, 59));
        long ticks = dt.Ticks + Nanosecond / 100;
        if (Second == 60) ticks += TimeSpan.TicksPerSecond;
        return ticks;
    }

    public bool Equals(TomlDateTime? other) => other is not null && Kind == other.Kind && Year == other.Year &&
        Month == other.Month && Day == other.Day && Hour == other.Hour && Minute == other.Minute &&
        Second == other.Second && Nanosecond == other.Nanosecond && OffsetMinutes == other.OffsetMinutes;

    public override bool Equals(object? obj) => obj is TomlDateTime o && Equals(o);

    public override int GetHashCode() =>
        HashCode.Combine(Kind, Year, Month, Day, HashCode.Combine(Hour, Minute, Second, Nanosecond), OffsetMinutes);

    /// <summary>The original text.</summary>
    public override string ToString() => Text;
}
