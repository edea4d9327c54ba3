namespace NativeWan.Data;

/// <summary>
/// An invalid dataset configuration: wrong type or range of a value, a missing required key, a dataset with no media
/// source. The message names the source (config file or <c>--data</c> directory) and the key path, e.g.
/// <c>dataset.toml: datasets[1].batch_size: expected an integer ≥ 1, got string "four"</c>.
/// </summary>
public sealed class DatasetConfigException : Exception
{
    /// <summary>The config file (or other source) name.</summary>
    public string SourceName { get; }
    /// <summary>The key path (<c>general.resolution</c>, <c>datasets[0].target_frames</c>), or null for the whole source.</summary>
    public string? Key { get; }

    public DatasetConfigException(string sourceName, string? key, string message, Exception? inner = null)
        : base(key is null ? $"{sourceName}: {message}" : $"{sourceName}: {key}: {message}", inner)
    {
        SourceName = sourceName;
        Key = key;
    }
}

/// <summary>
/// A dataset that cannot be used: a missing image/video directory or JSONL file, a malformed JSONL line, or no
/// usable item at all. The message names the file or directory and the reason.
/// </summary>
public sealed class DatasetException(string message, Exception? inner = null) : Exception(message, inner);
