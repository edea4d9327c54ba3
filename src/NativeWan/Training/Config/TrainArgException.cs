namespace NativeWan.Training.Config;

/// <summary>
/// A training argument with a bad value (wrong type, out of range, unknown name). The message is the reason only;
/// callers prefix the location (<c>--key</c> or <c>file:line:col</c>).
/// </summary>
public sealed class TrainArgException(string key, string message, Exception? inner = null) : FormatException(message, inner)
{
    /// <summary>The offending key (flag name without dashes).</summary>
    public string Key { get; } = key;
}
