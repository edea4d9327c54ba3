using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using NativeWan.IO;
using NativeWan.IO.SafeTensors;
using NativeWan.Models.Wan;
using NativeWan.Numerics;

namespace NativeWan.Caching;

/// <summary>
/// musubi-tuner's per-item cache files for Wan (dataset/image_video_dataset.py, cache_io.py), so caches made by
/// either tool are interchangeable: latents in <c>{stem}_{W:0000}x{H:0000}_wan.safetensors</c> with
/// <c>latents_{F}x{H}x{W}_{dtype}</c> [C, F, H, W] (and for I2V <c>latents_image_{F}x{H}x{W}_{dtype}</c>, the 4 mask +
/// C image-latent channels y), text in <c>{stem}_wan_te.safetensors</c> with <c>varlen_t5_{dtype}</c> [L, 4096].
/// Metadata: <c>architecture</c> = "wan", <c>width</c>/<c>height</c> (original size), <c>frame_count</c>,
/// <c>caption1</c>, <c>format_version</c> "1.0.1", plus <c>nativewan_source_hash</c> to skip up-to-date items.
/// </summary>
public static partial class CacheFiles
{
    /// <summary>musubi's architecture tag for Wan caches.</summary>
    public const string Architecture = "wan";
    const string HashKey = "nativewan_source_hash";

    /// <summary>The latent cache path of an item (W, H = its original size, as musubi names it).</summary>
    public static string LatentPath(string cacheDirectory, string itemKey, int width, int height) =>
        Path.Combine(cacheDirectory, $"{Path.GetFileNameWithoutExtension(itemKey + ".x")}_{width:D4}x{height:D4}_{Architecture}.safetensors");

    /// <summary>The text-encoder cache path of an item.</summary>
    public static string TextPath(string cacheDirectory, string itemKey) =>
        Path.Combine(cacheDirectory, $"{Path.GetFileNameWithoutExtension(itemKey + ".x")}_{Architecture}_te.safetensors");

    /// <summary>File-name pattern of every latent cache in a directory (musubi's <c>*_{arch}.safetensors</c> glob).</summary>
    public const string LatentFilePattern = "*_" + Architecture + ".safetensors";

    /// <summary>File-name pattern of every text-encoder cache in a directory (musubi's <c>*_{arch}_te.safetensors</c> glob).</summary>
    public const string TextFilePattern = "*_" + Architecture + "_te.safetensors";

    /// <summary>SHA-256 of a file's bytes (32 bytes), for <see cref="SourceHash(ReadOnlySpan{byte}, string)"/>.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static byte[] FileDigest(string sourceFile)
    {
        using var fs = File.OpenRead(sourceFile);
        return SHA256.HashData(fs);
    }

    /// <summary>
    /// SHA-256 (hex) of a source file's digest (<see cref="FileDigest"/>) and a settings string (bucket, frames, model
    /// file, flags): a cache whose stored hash equals this is up to date. Several caches made from one file (the frame
    /// windows of a video) share one read of it.
    /// </summary>
    public static string SourceHash(ReadOnlySpan<byte> fileDigest, string settings)
    {
        var s = Encoding.UTF8.GetBytes("\n" + settings);
        var buf = new byte[fileDigest.Length + s.Length];
        fileDigest.CopyTo(buf);
        s.CopyTo(buf.AsSpan(fileDigest.Length));
        return Convert.ToHexString(SHA256.HashData(buf)).ToLowerInvariant();
    }

    /// <summary>SHA-256 (hex) of a UTF-8 string: the hash of caches whose source is text (captions).</summary>
    public static string ContentHash(string content) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(content))).ToLowerInvariant();

    /// <summary>
    /// A model file's identity for cache hashes: "<c>{file name}:{size in bytes}</c>" (cheap; a replaced model of
    /// another name or size invalidates the caches made with the old one).
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public static string ModelIdentity(string modelFile)
    {
        var fi = new FileInfo(modelFile);
        if (!fi.Exists) throw new FileNotFoundException($"{modelFile}: file not found", modelFile);
        return $"{fi.Name}:{fi.Length.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>True when <paramref name="path"/> exists, opens, and carries <paramref name="hash"/>.</summary>
    public static bool IsUpToDate(string path, string hash)
    {
        if (!File.Exists(path)) return false;
        try
        {
            using var f = SafeTensorsFile.Open(path);
            return f.Metadata.TryGetValue(HashKey, out var h) && h == hash;
        }
        catch (ModelFileException) { return false; }
    }

    /// <summary>Writes a latent cache (float32, atomically).</summary>
    /// <param name="latent">x0, [C, F, H, W] of <paramref name="shape"/>.</param>
    /// <param name="imageLatent">I2V y, [4 + C, F, H, W], or null.</param>
    public static void WriteLatent(string path, float[] latent, LatentShape shape, float[]? imageLatent, int originalWidth, int originalHeight,
        int? frameCount, string sourceHash)
    {
        var w = new SafeTensorsWriter();
        string dims = $"{shape.Frames}x{shape.Height}x{shape.Width}";
        w.AddF32($"latents_{dims}_float32", latent, shape.Channels, shape.Frames, shape.Height, shape.Width);
        if (imageLatent != null)
        {
            long c = imageLatent.Length / ((long)shape.Frames * shape.Height * shape.Width);
            w.AddF32($"latents_image_{dims}_float32", imageLatent, c, shape.Frames, shape.Height, shape.Width);
        }
        w.Metadata["architecture"] = Architecture;
        w.Metadata["width"] = originalWidth.ToString(CultureInfo.InvariantCulture);
        w.Metadata["height"] = originalHeight.ToString(CultureInfo.InvariantCulture);
        w.Metadata["format_version"] = "1.0.1";
        if (frameCount is int fc) w.Metadata["frame_count"] = fc.ToString(CultureInfo.InvariantCulture);
        w.Metadata[HashKey] = sourceHash;
        w.Save(path);
    }

    /// <summary>Writes a text-encoder cache: the umT5 output [L, D] (L = true token count incl. EOS), float32.</summary>
    public static void WriteText(string path, float[] context, int length, int dim, string caption, string sourceHash)
    {
        var w = new SafeTensorsWriter();
        w.AddF32("varlen_t5_float32", context, length, dim);
        w.Metadata["architecture"] = Architecture;
        w.Metadata["caption1"] = caption;
        w.Metadata["format_version"] = "1.0.1";
        w.Metadata[HashKey] = sourceHash;
        w.Save(path);
    }

    [GeneratedRegex(@"^latents_(\d+)x(\d+)x(\d+)_[a-z0-9]+$")]
    private static partial Regex LatentKey();

    /// <summary>Reads a latent cache (ours or musubi's; any float dtype) as float32.</summary>
    /// <exception cref="ModelFileException">No <c>latents_FxHxW_*</c> tensor, or its shape disagrees with its name.</exception>
    public static (float[] Latent, LatentShape Shape, float[]? ImageLatent) ReadLatent(string path)
    {
        using var f = SafeTensorsFile.Open(path);
        var key = f.Tensors.FirstOrDefault(t => LatentKey().IsMatch(t.Name))
            ?? throw new ModelFileException(path, null, "no 'latents_{F}x{H}x{W}_{dtype}' tensor: not a Wan latent cache");
        if (key.Shape.Length != 4) throw new ModelFileException(path, key.Name, $"shape {key.ShapeText} is not [C, F, H, W]");
        var shape = new LatentShape((int)key.Shape[0], (int)key.Shape[1], (int)key.Shape[2], (int)key.Shape[3]);
        var m = LatentKey().Match(key.Name);
        if ($"{shape.Frames}x{shape.Height}x{shape.Width}" != $"{m.Groups[1]}x{m.Groups[2]}x{m.Groups[3]}")
            throw new ModelFileException(path, key.Name, $"name disagrees with shape {key.ShapeText}");
        var image = f.Tensors.FirstOrDefault(t => t.Name.StartsWith("latents_image_", StringComparison.Ordinal));
        return (f.ReadFloat32(key.Name), shape, image is null ? null : f.ReadFloat32(image.Name));
    }

    /// <summary>Reads a text-encoder cache: the context [L, D] as float32, with L and D.</summary>
    /// <exception cref="ModelFileException">No <c>varlen_t5_*</c> tensor or not 2-D.</exception>
    public static (float[] Context, int Length, int Dim) ReadText(string path)
    {
        using var f = SafeTensorsFile.Open(path);
        var t = f.Tensors.FirstOrDefault(x => x.Name.StartsWith("varlen_t5_", StringComparison.Ordinal))
            ?? throw new ModelFileException(path, null, "no 'varlen_t5_{dtype}' tensor: not a Wan text-encoder cache");
        if (t.Shape.Length != 2) throw new ModelFileException(path, t.Name, $"shape {t.ShapeText} is not [L, D]");
        return (f.ReadFloat32(t.Name), (int)t.Shape[0], (int)t.Shape[1]);
    }
}
