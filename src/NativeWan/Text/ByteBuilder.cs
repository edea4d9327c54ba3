namespace NativeWan.Text;

/// <summary>Minimal growable byte buffer (append, truncate) for building UTF-8 text.</summary>
internal sealed class ByteBuilder
{
    byte[] _data;

    public ByteBuilder(int capacity = 64) => _data = new byte[Math.Max(capacity, 16)];

    /// <summary>Number of bytes written.</summary>
    public int Length { get; private set; }

    /// <summary>The written bytes (valid until the next append).</summary>
    public ReadOnlySpan<byte> Span => _data.AsSpan(0, Length);

    public void Clear() => Length = 0;

    /// <summary>Drops everything after the first <paramref name="length"/> bytes.</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)length, (uint)Length, nameof(length));
        Length = length;
    }

    public void Append(byte b)
    {
        if (Length == _data.Length) Grow(1);
        _data[Length++] = b;
    }

    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (Length + bytes.Length > _data.Length) Grow(bytes.Length);
        bytes.CopyTo(_data.AsSpan(Length));
        Length += bytes.Length;
    }

    void Grow(int extra) => Array.Resize(ref _data, Math.Max(_data.Length * 2, Length + extra));
}
