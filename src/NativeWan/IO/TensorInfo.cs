using NativeWan.Numerics;

namespace NativeWan.IO;

/// <summary>
/// One tensor's entry in a checkpoint index: name, element type, shape (row-major, outermost first, as PyTorch
/// prints it) and where its little-endian bytes are. <see cref="Offset"/> is absolute in <see cref="File"/>.
/// </summary>
public sealed record TensorInfo(string Name, DType DType, long[] Shape, string File, long Offset, long ByteLength)
{
    /// <summary>Number of elements (product of <see cref="Shape"/>; 1 for a 0-d scalar).</summary>
    public long ElementCount
    {
        get { long n = 1; foreach (var d in Shape) n *= d; return n; }
    }

    /// <summary>Shape as "[a, b, c]".</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
