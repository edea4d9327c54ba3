using System.Globalization;

namespace NativeWan.Lora;

/// <summary>
/// musubi-tuner LoRA dropouts (MT <c>networks/lora.py</c> <c>LoRAModule.forward</c>, training only), all off (0) by
/// default. With <c>lx = down(x)</c>: <see cref="Neuron"/> = <c>--network_dropout</c>, element dropout on lx (inverted:
/// kept values × 1/(1−p)); <see cref="Rank"/> = <c>rank_dropout</c>, zeroes whole rank channels of lx per sample and
/// multiplies the scale by 1/(1−p); <see cref="Module"/> = <c>module_dropout</c>, skips the whole adapter for a step
/// with probability p. Stored here; the training step applies them.
/// </summary>
public sealed record LoraDropout(float Neuron = 0f, float Rank = 0f, float Module = 0f)
{
    /// <summary>No dropout.</summary>
    public static LoraDropout None { get; } = new();

    /// <summary>True when any probability is above zero.</summary>
    public bool IsActive => Neuron > 0 || Rank > 0 || Module > 0;

    /// <summary>Throws unless every probability is in [0, 1).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A probability outside [0, 1) or NaN.</exception>
    public LoraDropout Validate()
    {
        Check(Neuron, "neuron (network_dropout)");
        Check(Rank, "rank_dropout");
        Check(Module, "module_dropout");
        return this;
    }

    static void Check(float p, string what)
    {
        if (!(p >= 0f && p < 1f)) throw new ArgumentOutOfRangeException(what, p, $"LoRA {what} must be in [0, 1)");
    }

    /// <summary>
    /// Reads <c>rank_dropout=</c> and <c>module_dropout=</c> from musubi <c>--network_args</c> (other keys ignored);
    /// <paramref name="networkDropout"/> is <c>--network_dropout</c>.
    /// </summary>
    /// <exception cref="FormatException">A value that is not a number.</exception>
    public static LoraDropout FromNetworkArgs(IEnumerable<string> networkArgs, float? networkDropout = null)
    {
        var d = new LoraDropout(Neuron: networkDropout ?? 0f);
        foreach (var arg in networkArgs)
        {
            int eq = arg.IndexOf('=');
            if (eq <= 0) continue;
            var key = arg[..eq].Trim();
            var value = arg[(eq + 1)..].Trim();
            if (key is "rank_dropout" or "module_dropout")
            {
                if (!float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float p))
                    throw new FormatException($"network arg '{arg}': '{value}' is not a number");
                d = key == "rank_dropout" ? d with { Rank = p } : d with { Module = p };
            }
        }
        return d.Validate();
    }
}
