using System.Buffers;
using System.IO.Compression;
using Microsoft.Win32.SafeHandles;
using NativeWan.Numerics;

namespace NativeWan.IO.Pth;

/// <summary>
/// A restricted, lazy reader for PyTorch zip checkpoints written by <c>torch.save</c> (≥ 1.6), e.g. Wan's
/// <c>models_t5_umt5-xxl-enc-bf16.pth</c> and <c>Wan2.1_VAE.pth</c>. On open the zip central directory (ZIP64 included)
/// and <c>&lt;archive&gt;/data.pkl</c> are read; the pickle is interpreted by an allow-list unpickler that only builds
/// dicts, <c>collections.OrderedDict</c> and tensors (<c>torch._utils._rebuild_tensor_v2</c>,
/// <c>_rebuild_parameter</c>, <c>torch.*Storage</c>); any other global, and opcodes such as INST/OBJ/EXT, make the
/// whole file fail with <see cref="ModelFileException"/> naming the global, and nothing is ever executed. Tensor
/// bytes are read on demand from the stored (uncompressed) records; views (offsets, strides, shared storages) are
/// materialized as contiguous row-major little-endian data in <see cref="ReadBytes(TensorInfo, Span{byte})"/>.
/// Nested dicts are flattened with '.'-joined names; non-tensor leaves go to <see cref="Metadata"/>.
/// Thread-safe for reads. Dispose to close the file.
/// </summary>
/// <remarks>
/// <see cref="TensorInfo.Offset"/> is the absolute file offset of a contiguous tensor's bytes (they can be read or
/// mapped directly); it is -1 for non-contiguous views, which must be read through this class.
/// The legacy pre-zip format is refused with a message that says so.
/// </remarks>
public sealed class PthFile : ITensorSource
{
    const int MaxPickleBytes = 1 << 30;

    readonly SafeFileHandle _file;
    readonly Dictionary<string, Entry> _byName;
    volatile bool _disposed;

    sealed record Entry(TensorInfo Info, PthTensorLayout Layout, DType DType, long StorageData, long First, long Last);

    /// <inheritdoc/>
    public string SourcePath { get; }
    /// <inheritdoc/>
    public IReadOnlyList<TensorInfo> Tensors { get; }
    /// <summary>Non-tensor leaves of the pickled dict (e.g. an <c>epoch</c> number), by dotted name, as Python prints them.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
    /// <summary>The archive folder name inside the zip (<c>archive</c>, or the file stem at save time).</summary>
    public string ArchiveName { get; }

    PthFile(string path, string? stripPrefix)
    {
        SourcePath = path;
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        _file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            long length = RandomAccess.GetLength(_file);
            var zip = PthZipDirectory.Read(path, _file, length);
            var pkl = FindPickle(zip);
            ArchiveName = pkl.Name[..^"/data.pkl".Length];
            CheckByteOrder(zip);
            var root = RestrictedUnpickler.Load(path, pkl.Name, ReadRecord(zip, pkl, MaxPickleBytes, checkCrc: true));
            var (tensors, meta) = StateDictFlattener.Flatten(path, root);

            var storageData = new Dictionary<string, long>(StringComparer.Ordinal);
            var infos = new List<TensorInfo>(tensors.Count);
            _byName = new Dictionary<string, Entry>(tensors.Count, StringComparer.Ordinal);
            foreach (var (fullName, t) in tensors)
            {
                var name = stripPrefix is { Length: > 0 } && fullName.StartsWith(stripPrefix, StringComparison.Ordinal) ? fullName[stripPrefix.Length..] : fullName;
                if (!storageData.TryGetValue(t.Storage.Key, out long data))
                    storageData[t.Storage.Key] = data = ResolveStorage(zip, fullName, t.Storage);
                var e = MakeEntry(path, name, t, data);
                if (!_byName.TryAdd(name, e))
                    throw new ModelFileException(path, fullName, $"name '{name}' occurs twice after removing prefix '{stripPrefix}'");
                infos.Add(e.Info);
            }
            Tensors = infos;
            Metadata = meta;
        }
        catch
        {
            _file.Dispose();
            throw;
        }
    }

    /// <summary>Opens a PyTorch zip checkpoint and indexes its state dict (tensor data is not read).</summary>
    /// <param name="path">The .pth/.pt/.ckpt/.bin file.</param>
    /// <param name="stripPrefix">Optional name prefix removed where present (e.g. <c>model.</c>).</param>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="ModelFileException">Refused global/opcode (named in the message), legacy or non-zip format,
    /// truncated or inconsistent archive, storage record missing or of the wrong size, view outside its storage.</exception>
    public static PthFile Open(string path, string? stripPrefix = null) => new(path, stripPrefix);

    /// <inheritdoc/>
    public bool TryGet(string name, out TensorInfo info)
    {
        if (_byName.TryGetValue(name, out var e)) { info = e.Info; return true; }
        info = null!;
        return false;
    }

    /// <summary>Storage key, offset and strides of <paramref name="tensor"/> as pickled.</summary>
    public PthTensorLayout GetLayout(TensorInfo tensor) => Find(tensor).Layout;

    /// <inheritdoc/>
    public void ReadBytes(TensorInfo tensor, Span<byte> destination)
    {
        if (destination.Length != tensor.ByteLength)
            throw new ArgumentException($"destination is {destination.Length} bytes, tensor '{tensor.Name}' has {tensor.ByteLength}");
        ReadBytes(tensor, 0, destination);
    }

    /// <summary>
    /// Copies <c>destination.Length</c> bytes of the contiguous (materialized) tensor, starting <paramref name="start"/>
    /// bytes in, so tensors over 2 GiB can be read in pieces. Non-contiguous views are gathered in full first.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is outside the tensor.</exception>
    public void ReadBytes(TensorInfo tensor, long start, Span<byte> destination)
    {
        var e = Find(tensor);
        if (start < 0 || start > tensor.ByteLength - destination.Length)
            throw new ArgumentOutOfRangeException(nameof(start), $"range [{start}, {start + destination.Length}) outside tensor '{tensor.Name}' ({tensor.ByteLength} bytes)");
        if (destination.IsEmpty) return;
        if (e.Layout.IsContiguous)
        {
            PthZipDirectory.ReadExactly(SourcePath, _file, e.Info.Offset + start, destination);
            return;
        }
        if (start == 0 && destination.Length == tensor.ByteLength) { Gather(e, destination); return; }
        if (tensor.ByteLength > Array.MaxLength) throw new ModelFileException(SourcePath, tensor.Name, "non-contiguous view over 2 GiB cannot be read in pieces");
        var all = ArrayPool<byte>.Shared.Rent((int)tensor.ByteLength);
        try
        {
            Gather(e, all.AsSpan(0, (int)tensor.ByteLength));
            all.AsSpan((int)start, destination.Length).CopyTo(destination);
        }
        finally { ArrayPool<byte>.Shared.Return(all); }
    }

    /// <summary>Reads the storage elements [First, Last] the view touches, then copies them out row-major.</summary>
    void Gather(Entry e, Span<byte> dst)
    {
        int isz = e.DType.Size();
        long span = (e.Last - e.First + 1) * isz;
        if (span > Array.MaxLength) throw new ModelFileException(SourcePath, e.Info.Name, $"view spans {span} bytes of its storage (over 2 GiB)");
        var buf = ArrayPool<byte>.Shared.Rent((int)span);
        try
        {
            var src = buf.AsSpan(0, (int)span);
            PthZipDirectory.ReadExactly(SourcePath, _file, e.StorageData + e.First * isz, src);
            var shape = e.Info.Shape;
            var strides = e.Layout.Strides;
            int nd = shape.Length;
            long inner = shape[nd - 1], innerStride = strides[nd - 1];
            long outer = e.Info.ElementCount / inner;
            var idx = new long[nd];
            long rel = e.Layout.StorageOffset - e.First; // element index into src of the current row
            int o = 0;
            for (long r = 0; r < outer; r++)
            {
                if (innerStride == 1)
                {
                    int n = (int)(inner * isz);
                    src.Slice((int)(rel * isz), n).CopyTo(dst.Slice(o, n));
                    o += n;
                }
                else
                {
                    for (long k = 0; k < inner; k++, o += isz)
                        src.Slice((int)((rel + k * innerStride) * isz), isz).CopyTo(dst.Slice(o, isz));
                }
                for (int d = nd - 2; d >= 0; d--)
                {
                    rel += strides[d];
                    if (++idx[d] < shape[d]) break;
                    rel -= strides[d] * shape[d];
                    idx[d] = 0;
                }
            }
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }

    Entry MakeEntry(string path, string name, PickleTensor t, long storageData)
    {
        int isz = t.Storage.DType.Size();
        long numel = 1, expect = 1, last = t.StorageOffset;
        bool contiguous = true;
        for (int i = t.Shape.Length - 1; i >= 0; i--)
        {
            numel *= t.Shape[i]; // overflow already excluded by the unpickler
            if (t.Shape[i] != 1 && t.Strides[i] != expect) contiguous = false;
            expect *= t.Shape[i];
            if (t.Shape[i] > 0) last += (t.Shape[i] - 1) * t.Strides[i];
        }
        if (numel == 0) contiguous = true;
        long bytes;
        try { bytes = checked(numel * isz); }
        catch (OverflowException) { throw new ModelFileException(path, name, $"{numel} elements of {isz} bytes overflow"); }
        long offset = numel == 0 ? storageData : contiguous ? storageData + t.StorageOffset * isz : -1;
        var info = new TensorInfo(name, t.Storage.DType, t.Shape, SourcePath, offset, bytes);
        var layout = new PthTensorLayout(t.Storage.Key, t.Storage.Numel, t.StorageOffset, t.Strides, contiguous, t.Storage.Location);
        return new Entry(info, layout, t.Storage.DType, storageData, t.StorageOffset, last); // strides ≥ 0: element (0,…,0) is the lowest
    }

    long ResolveStorage(PthZipDirectory zip, string tensor, PickleStorage s)
    {
        var recordName = ArchiveName + "/data/" + s.Key;
        if (!zip.Entries.TryGetValue(recordName, out var rec))
            throw new ModelFileException(SourcePath, tensor, $"storage record '{recordName}' is missing");
        if (rec.Method != 0)
            throw new ModelFileException(SourcePath, tensor, $"storage record '{recordName}' is compressed (method {rec.Method}); torch.save writes stored records");
        long want;
        try { want = checked(s.Numel * s.DType.Size()); }
        catch (OverflowException) { throw new ModelFileException(SourcePath, tensor, $"storage '{s.Key}' of {s.Numel} elements overflows"); }
        if (rec.CompressedSize != rec.UncompressedSize || rec.UncompressedSize != want)
            throw new ModelFileException(SourcePath, tensor,
                $"storage record '{recordName}' has {rec.UncompressedSize} bytes but {s.Numel} {s.DType} elements need {want}");
        return zip.DataOffset(rec);
    }

    PthZipEntry FindPickle(PthZipDirectory zip)
    {
        PthZipEntry? found = null;
        foreach (var e in zip.Entries.Values)
        {
            if (!e.Name.EndsWith("/data.pkl", StringComparison.Ordinal) || e.Name.IndexOf('/') != e.Name.Length - "/data.pkl".Length) continue;
            if (found is not null) throw new ModelFileException(SourcePath, null, $"the archive holds two pickles ('{found.Name}', '{e.Name}')");
            found = e;
        }
        return found ?? throw new ModelFileException(SourcePath, null, "no '<name>/data.pkl' record: not a torch.save checkpoint");
    }

    void CheckByteOrder(PthZipDirectory zip)
    {
        if (!zip.Entries.TryGetValue(ArchiveName + "/byteorder", out var rec)) return;
        var text = System.Text.Encoding.ASCII.GetString(ReadRecord(zip, rec, 64, checkCrc: false)).Trim();
        if (text != "little")
            throw new ModelFileException(SourcePath, null, $"byteorder record says '{text}'; only little-endian checkpoints are supported");
    }

    byte[] ReadRecord(PthZipDirectory zip, PthZipEntry rec, int maxBytes, bool checkCrc)
    {
        if (rec.UncompressedSize > maxBytes)
            throw new ModelFileException(SourcePath, null, $"record '{rec.Name}' of {rec.UncompressedSize} bytes exceeds the {maxBytes}-byte limit");
        long at = zip.DataOffset(rec);
        byte[] data;
        if (rec.Method == 0)
        {
            if (rec.CompressedSize != rec.UncompressedSize)
                throw new ModelFileException(SourcePath, null, $"stored record '{rec.Name}' has different compressed and uncompressed sizes");
            data = new byte[rec.UncompressedSize];
            PthZipDirectory.ReadExactly(SourcePath, _file, at, data);
        }
        else if (rec.Method == 8)
        {
            if (rec.CompressedSize > maxBytes) throw new ModelFileException(SourcePath, null, $"record '{rec.Name}' is too large");
            var packed = new byte[rec.CompressedSize];
            PthZipDirectory.ReadExactly(SourcePath, _file, at, packed);
            data = new byte[rec.UncompressedSize];
            try
            {
                using var inflate = new DeflateStream(new MemoryStream(packed), CompressionMode.Decompress);
                inflate.ReadExactly(data);
                if (inflate.ReadByte() != -1) throw new InvalidDataException("more data than the declared size");
            }
            catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException)
            {
                throw new ModelFileException(SourcePath, null, $"record '{rec.Name}' does not inflate to {rec.UncompressedSize} bytes: {ex.Message}", ex);
            }
        }
        else throw new ModelFileException(SourcePath, null, $"record '{rec.Name}' uses unsupported zip compression method {rec.Method}");
        if (checkCrc && Crc32.Append(0, data) != rec.Crc32)
            throw new ModelFileException(SourcePath, null, $"record '{rec.Name}' fails its CRC-32 check (damaged file)");
        return data;
    }

    Entry Find(TensorInfo t)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_byName.TryGetValue(t.Name, out var e) || !ReferenceEquals(e.Info, t))
            throw new ArgumentException($"tensor '{t.Name}' does not belong to {SourcePath}");
        return e;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _file.Dispose();
    }
}
