using System.Globalization;

namespace NativeWan.Training.Config;

/// <summary>
/// musubi-tuner's <c>--lr_warmup_steps</c> (and <c>--lr_decay_steps</c>) value: an integer number of steps, or a float
/// read as a fraction of the total optimizer steps (musubi <c>_int_or_float</c>: a value written with a decimal point
/// or exponent is a float; <c>get_scheduler</c> then uses <c>int(fraction · max_train_steps)</c>).
/// </summary>
/// <param name="Value">Steps (integral) or the fraction in [0, 1).</param>
/// <param name="IsFraction">True for the fraction form.</param>
public readonly record struct WarmupSteps(double Value, bool IsFraction)
{
    /// <summary>Warmup steps for a run of <paramref name="totalSteps"/> optimizer steps: ⌊fraction · total⌋ or the integer.</summary>
    public int Resolve(int totalSteps) => IsFraction ? (int)(Value * totalSteps) : (int)Value;

    /// <summary>Parses <c>"100"</c> (steps) or <c>"0.1"</c>/<c>"1e-1"</c> (fraction).</summary>
    /// <exception cref="FormatException">Not a number, a negative value, or a float not below 1.</exception>
    public static WarmupSteps Parse(string text)
    {
        var s = text.Trim();
        bool isFloat = s.IndexOfAny(['.', 'e', 'E']) >= 0;
        if (!isFloat)
            return long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
                ? FromInteger(n) : throw new FormatException($"'{text}' is neither an integer step count nor a fraction below 1");
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var f)
            ? FromFloat(f) : throw new FormatException($"'{text}' is neither an integer step count nor a fraction below 1");
    }

    /// <summary>An integer step count.</summary>
    /// <exception cref="FormatException">Negative or beyond int range.</exception>
    public static WarmupSteps FromInteger(long steps) =>
        steps is >= 0 and <= int.MaxValue ? new WarmupSteps(steps, false) : throw new FormatException($"{steps} warmup steps: must be between 0 and {int.MaxValue}");

    /// <summary>A fraction of the total steps.</summary>
    /// <exception cref="FormatException">Outside [0, 1) or not finite.</exception>
    public static WarmupSteps FromFloat(double fraction) =>
        fraction is >= 0 and < 1 ? new WarmupSteps(fraction, true)
            : throw new FormatException($"{fraction.ToString(CultureInfo.InvariantCulture)}: a float warmup is a fraction of the training steps and must be in [0, 1); write an integer for a step count");

    /// <summary>As musubi would print the argument (<c>100</c> or <c>0.1</c>).</summary>
    public override string ToString() => IsFraction ? PythonRepr.Float(Value) : ((long)Value).ToString(CultureInfo.InvariantCulture);
}
