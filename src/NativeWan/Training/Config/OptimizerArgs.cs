using System.Globalization;
using NativeWan.Optim;

namespace NativeWan.Training.Config;

/// <summary>
/// musubi-tuner's <c>--optimizer_type</c> / <c>--optimizer_args</c> for the optimizers NativeWan has (AdamW only, as
/// <c>torch.optim.AdamW</c>: musubi's default when <c>--optimizer_type</c> is empty).
/// </summary>
public static class OptimizerArgs
{
    /// <summary>The canonical name stored for AdamW.</summary>
    public const string AdamW = "AdamW";

    /// <summary>musubi's <c>ss_optimizer</c> name of torch's AdamW.</summary>
    public const string AdamWClassName = "torch.optim.adamw.AdamW";

    /// <summary>Normalizes an optimizer name: <c>""</c>, <c>adamw</c>, <c>AdamW</c>, <c>torch.optim.AdamW</c> → <see cref="AdamW"/>.</summary>
    /// <exception cref="FormatException">Any other optimizer (named as not supported yet).</exception>
    public static string ParseType(string name)
    {
        var n = name.Trim();
        if (n.Length == 0 || n.Equals("adamw", StringComparison.OrdinalIgnoreCase) || n.Equals("torch.optim.AdamW", StringComparison.OrdinalIgnoreCase)
            || n.Equals(AdamWClassName, StringComparison.OrdinalIgnoreCase))
            return AdamW;
        throw new FormatException($"optimizer '{n}' is not supported yet (only AdamW)");
    }

    /// <summary>
    /// Parses <c>key=value</c> entries: <c>weight_decay=0.01</c>, <c>betas=0.9,0.999</c> (also <c>(0.9, 0.999)</c> or
    /// <c>[0.9, 0.999]</c>), <c>eps=1e-8</c>. Unset values keep torch's defaults (weight decay 0.01, betas (0.9, 0.999),
    /// eps 1e-8).
    /// </summary>
    /// <exception cref="FormatException">An entry without '=', an unknown key, or a value that is not a number (pair).</exception>
    public static AdamWOptions ParseAdamW(IEnumerable<string> args)
    {
        var o = new AdamWOptions();
        foreach (var a in args)
        {
            int eq = a.IndexOf('=');
            if (eq <= 0) throw new FormatException($"optimizer arg '{a}' is not key=value");
            var key = a[..eq].Trim();
            var value = a[(eq + 1)..].Trim();
            switch (key)
            {
                case "weight_decay": o = o with { WeightDecay = Number(a, value) }; break;
                case "eps": o = o with { Eps = Number(a, value) }; break;
                case "betas":
                    var parts = value.Trim('(', ')', '[', ']', ' ').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length != 2) throw new FormatException($"optimizer arg '{a}': betas needs two numbers, e.g. betas=0.9,0.999");
                    double b1 = Number(a, parts[0]), b2 = Number(a, parts[1]);
                    if (b1 is < 0 or >= 1 || b2 is < 0 or >= 1) throw new FormatException($"optimizer arg '{a}': betas must be in [0, 1)");
                    o = o with { Beta1 = b1, Beta2 = b2 };
                    break;
                default:
                    throw new FormatException($"optimizer arg '{key}' is not supported yet (AdamW takes weight_decay, betas, eps)");
            }
        }
        if (o.WeightDecay < 0) throw new FormatException($"weight_decay must be >= 0, got {o.WeightDecay.ToString(CultureInfo.InvariantCulture)}");
        if (!(o.Eps > 0)) throw new FormatException($"eps must be > 0, got {o.Eps.ToString(CultureInfo.InvariantCulture)}");
        return o;
    }

    /// <summary>musubi's <c>ss_optimizer</c> text: class name plus <c>(k=v,…)</c> when optimizer args were given.</summary>
    public static string MetadataName(IReadOnlyList<string> args) =>
        AdamWClassName + (args.Count > 0 ? $"({string.Join(",", args)})" : "");

    static double Number(string arg, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v
            : throw new FormatException($"optimizer arg '{arg}': '{text}' is not a number");
}
