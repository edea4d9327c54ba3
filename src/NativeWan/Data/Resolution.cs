namespace NativeWan.Data;

/// <summary>A width × height pair in pixels (musubi-tuner's <c>(W, H)</c> tuples; note: width first).</summary>
public readonly record struct Resolution(int Width, int Height) : IComparable<Resolution>
{
    /// <summary>Width · Height.</summary>
    public long Area => (long)Width * Height;

    /// <summary>Orders by width, then height (Python tuple order, as musubi sorts its buckets).</summary>
    public int CompareTo(Resolution other) => Width != other.Width ? Width.CompareTo(other.Width) : Height.CompareTo(other.Height);

    public override string ToString() => $"{Width}x{Height}";
}
