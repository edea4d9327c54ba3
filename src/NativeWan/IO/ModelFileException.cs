namespace NativeWan.IO;

/// <summary>
/// Thrown when a model, checkpoint, LoRA or cache file is malformed or untrusted content is refused.
/// The message always names the file and, where known, the tensor.
/// </summary>
public sealed class ModelFileException : Exception
{
    /// <summary>Path of the offending file.</summary>
    public string FilePath { get; }
    /// <summary>Tensor name the problem concerns, or null for file-level problems.</summary>
    public string? Tensor { get; }

    public ModelFileException(string filePath, string? tensor, string message, Exception? inner = null)
        : base(Format(filePath, tensor, message), inner)
    {
        FilePath = filePath;
        Tensor = tensor;
    }

    static string Format(string file, string? tensor, string message) =>
        tensor is null ? $"{file}: {message}" : $"{file}: tensor '{tensor}': {message}";
}
