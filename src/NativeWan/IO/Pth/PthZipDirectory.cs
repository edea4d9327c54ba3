using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace NativeWan.IO.Pth;

/// <summary>One record of a zip central directory (sizes already resolved through the ZIP64 extra field).</summary>
internal sealed record PthZipEntry(string Name, ushort Flags, ushort Method, uint Crc32, long CompressedSize, long UncompressedSize, long LocalHeaderOffset);

/// <summary>
/// Minimal read-only zip central-directory parser for PyTorch checkpoints (PKWARE APPNOTE 6.3: end record 4.3.16,
/// ZIP64 end record/locator 4.3.14–15, central header 4.3.12, ZIP64 extra 4.5.3). Every offset and size is checked
/// against the file length; nothing is allocated beyond the central directory itself.
/// </summary>
internal sealed class PthZipDirectory
{
    const uint LocalSig = 0x04034b50, CentralSig = 0x02014b50, EndSig = 0x06054b50, End64Sig = 0x06064b50, Locator64Sig = 0x07064b50;
    const int EndLen = 22, CentralLen = 46, LocalLen = 30, Locator64Len = 20, End64Len = 56;

    readonly string _path;
    readonly SafeFileHandle _file;
    readonly long _centralOffset;

    /// <summary>Records by name, in central-directory order.</summary>
    public IReadOnlyDictionary<string, PthZipEntry> Entries { get; }

    PthZipDirectory(string path, SafeFileHandle file, long centralOffset, Dictionary<string, PthZipEntry> entries)
    {
        _path = path; _file = file; _centralOffset = centralOffset; Entries = entries;
    }

    /// <summary>Reads and validates the central directory of <paramref name="path"/>.</summary>
    /// <exception cref="ModelFileException">Not a zip (legacy torch format named as such), truncated or inconsistent.</exception>
    public static PthZipDirectory Read(string path, SafeFileHandle file, long length)
    {
        CheckSignature(path, file, length);

        int tailLen = (int)Math.Min(length, EndLen + ushort.MaxValue);
        var tail = new byte[tailLen];
        ReadExactly(path, file, length - tailLen, tail);
        int end = -1;
        for (int i = tailLen - EndLen; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) == EndSig &&
                i + EndLen + BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(i + 20)) == tailLen)
            { end = i; break; }
        }
        if (end < 0)
            throw new ModelFileException(path, null,
                $"no zip end-of-central-directory record: the file ({length} bytes) is truncated or damaged (an incomplete download?)");

        long endPos = length - tailLen + end;
        var e = tail.AsSpan(end);
        ushort disk = U16(e, 4), cdDisk = U16(e, 6);
        long count = U16(e, 10), cdSize = U32(e, 12), cdOffset = U32(e, 16);
        long cdLimit = endPos;

        // ZIP64 locator directly before the classic end record (torch writes it even for small archives).
        if (endPos >= Locator64Len)
        {
            var loc = new byte[Locator64Len];
            ReadExactly(path, file, endPos - Locator64Len, loc);
            if (BinaryPrimitives.ReadUInt32LittleEndian(loc) == Locator64Sig)
            {
                ulong end64 = BinaryPrimitives.ReadUInt64LittleEndian(loc.AsSpan(8));
                if (end64 > (ulong)(endPos - Locator64Len - End64Len))
                    throw new ModelFileException(path, null, $"ZIP64 end record offset {end64} lies outside the file");
                var r = new byte[End64Len];
                ReadExactly(path, file, (long)end64, r);
                if (BinaryPrimitives.ReadUInt32LittleEndian(r) != End64Sig)
                    throw new ModelFileException(path, null, $"no ZIP64 end record at offset {end64}");
                if (count == 0xFFFF) count = CheckedLong(path, BinaryPrimitives.ReadUInt64LittleEndian(r.AsSpan(32)), "entry count");
                if (cdSize == 0xFFFFFFFF) cdSize = CheckedLong(path, BinaryPrimitives.ReadUInt64LittleEndian(r.AsSpan(40)), "central directory size");
                if (cdOffset == 0xFFFFFFFF) cdOffset = CheckedLong(path, BinaryPrimitives.ReadUInt64LittleEndian(r.AsSpan(48)), "central directory offset");
                if (disk == 0xFFFF) disk = 0;
                if (cdDisk == 0xFFFF) cdDisk = 0;
                cdLimit = (long)end64;
            }
        }
        if (count == 0xFFFF || cdSize == 0xFFFFFFFF || cdOffset == 0xFFFFFFFF)
            throw new ModelFileException(path, null, "zip end record needs ZIP64 values but there is no ZIP64 end record");
        if (disk != 0 || cdDisk != 0) throw new ModelFileException(path, null, "multi-part (split) zip archives are not supported");
        if (cdOffset > cdLimit || cdSize > cdLimit - cdOffset)
            throw new ModelFileException(path, null, $"central directory [{cdOffset}, +{cdSize}) overlaps the end records or lies outside the file");
        if (count > cdSize / CentralLen)
            throw new ModelFileException(path, null, $"{count} zip entries cannot fit in a {cdSize}-byte central directory");
        if (cdSize > Array.MaxLength) throw new ModelFileException(path, null, $"central directory of {cdSize} bytes is too large");

        var cd = new byte[cdSize];
        ReadExactly(path, file, cdOffset, cd);
        var entries = new Dictionary<string, PthZipEntry>((int)count, StringComparer.Ordinal);
        int p = 0;
        for (long i = 0; i < count; i++)
        {
            if (cd.Length - p < CentralLen || BinaryPrimitives.ReadUInt32LittleEndian(cd.AsSpan(p)) != CentralSig)
                throw new ModelFileException(path, null, $"central directory entry {i} at offset {cdOffset + p} is damaged");
            var h = cd.AsSpan(p);
            ushort flags = U16(h, 8), method = U16(h, 10);
            uint crc = U32(h, 16);
            long csize = U32(h, 20), usize = U32(h, 24), lho = U32(h, 42);
            int nameLen = U16(h, 28), extraLen = U16(h, 30), commentLen = U16(h, 32);
            if (cd.Length - p - CentralLen < nameLen + extraLen + commentLen)
                throw new ModelFileException(path, null, $"central directory entry {i} runs past the directory");
            string name = DecodeName(path, h.Slice(CentralLen, nameLen));
            var extra = h.Slice(CentralLen + nameLen, extraLen);
            if (usize == 0xFFFFFFFF || csize == 0xFFFFFFFF || lho == 0xFFFFFFFF)
                ReadZip64Extra(path, name, extra, ref usize, ref csize, ref lho);
            if (lho > cdOffset - LocalLen || csize > cdOffset)
                throw new ModelFileException(path, null, $"zip entry '{name}' (offset {lho}, {csize} bytes) lies outside the data area");
            if ((flags & 1) != 0) throw new ModelFileException(path, null, $"zip entry '{name}' is encrypted");
            if (!entries.TryAdd(name, new PthZipEntry(name, flags, method, crc, csize, usize, lho)))
                throw new ModelFileException(path, null, $"zip entry '{name}' occurs twice");
            p += CentralLen + nameLen + extraLen + commentLen;
        }
        return new PthZipDirectory(path, file, cdOffset, entries);
    }

    /// <summary>
    /// Absolute offset of the entry's data: the local header's own name and extra lengths are used (torch pads the
    /// extra so data is 64-byte aligned). Checks that the data lies before the central directory.
    /// </summary>
    public long DataOffset(PthZipEntry entry)
    {
        var h = new byte[LocalLen];
        ReadExactly(_path, _file, entry.LocalHeaderOffset, h);
        if (BinaryPrimitives.ReadUInt32LittleEndian(h) != LocalSig)
            throw new ModelFileException(_path, null, $"zip entry '{entry.Name}': no local header at offset {entry.LocalHeaderOffset}");
        long data = entry.LocalHeaderOffset + LocalLen + U16(h, 26) + U16(h, 28);
        if (data > _centralOffset || entry.CompressedSize > _centralOffset - data)
            throw new ModelFileException(_path, null, $"zip entry '{entry.Name}': data [{data}, +{entry.CompressedSize}) runs into the central directory");
        return data;
    }

    static void ReadZip64Extra(string path, string name, ReadOnlySpan<byte> extra, ref long usize, ref long csize, ref long lho)
    {
        while (extra.Length >= 4)
        {
            ushort id = U16(extra, 0), len = U16(extra, 2);
            if (len > extra.Length - 4) break;
            if (id == 1)
            {
                var f = extra.Slice(4, len);
                int k = 0;
                if (usize == 0xFFFFFFFF) usize = Next(path, name, f, ref k, "uncompressed size");
                if (csize == 0xFFFFFFFF) csize = Next(path, name, f, ref k, "compressed size");
                if (lho == 0xFFFFFFFF) lho = Next(path, name, f, ref k, "local header offset");
                return;
            }
            extra = extra.Slice(4 + len);
        }
        throw new ModelFileException(path, null, $"zip entry '{name}' has 0xFFFFFFFF sizes but no ZIP64 extra field");
    }

    static long Next(string path, string name, ReadOnlySpan<byte> f, ref int k, string what)
    {
        if (f.Length - k < 8) throw new ModelFileException(path, null, $"zip entry '{name}': ZIP64 extra field lacks the {what}");
        long v = CheckedLong(path, BinaryPrimitives.ReadUInt64LittleEndian(f.Slice(k)), what);
        k += 8;
        return v;
    }

    static void CheckSignature(string path, SafeFileHandle file, long length)
    {
        var head = new byte[(int)Math.Min(length, 16)];
        ReadExactly(path, file, 0, head);
        if (head.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(head) == LocalSig) return;
        // torch.save(..., _use_new_zipfile_serialization=False): a pickled magic number 0x1950a86a20f9469cfc6c first.
        ReadOnlySpan<byte> legacy = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
        if (head.AsSpan().StartsWith(legacy))
            throw new ModelFileException(path, null,
                "legacy (pre-zip) torch.save format is not supported; re-save it with torch.save(obj, f) from torch >= 1.6 or convert it to safetensors");
        throw new ModelFileException(path, null, $"not a PyTorch zip checkpoint (no zip local-header signature; file is {length} bytes)");
    }

    static string DecodeName(string path, ReadOnlySpan<byte> b)
    {
        try { return new UTF8Encoding(false, true).GetString(b); }
        catch (DecoderFallbackException) { throw new ModelFileException(path, null, "zip entry name is not valid UTF-8"); }
    }

    internal static void ReadExactly(string path, SafeFileHandle file, long offset, Span<byte> dst)
    {
        while (!dst.IsEmpty)
        {
            int n = RandomAccess.Read(file, dst, offset);
            if (n <= 0) throw new ModelFileException(path, null, $"unexpected end of file at offset {offset} (truncated?)");
            dst = dst[n..];
            offset += n;
        }
    }

    static long CheckedLong(string path, ulong v, string what) =>
        v <= long.MaxValue ? (long)v : throw new ModelFileException(path, null, $"zip {what} {v} is out of range");

    static ushort U16(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b.Slice(at));
    static uint U32(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b.Slice(at));
}
