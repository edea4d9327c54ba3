namespace NativeWan.Data;

/// <summary>File extensions the dataset scanner picks up (compared case-insensitively).</summary>
public static class MediaExtensions
{
    /// <summary>Image extensions: musubi-tuner's <c>IMAGE_EXTENSIONS</c> (png, jpg, jpeg, webp, bmp, avif).</summary>
    public static readonly IReadOnlyList<string> Image = [".png", ".jpg", ".jpeg", ".webp", ".bmp", ".avif"];

    /// <summary>Video extensions: musubi-tuner's <c>VIDEO_EXTENSIONS</c> plus <c>.gif</c>.</summary>
    public static readonly IReadOnlyList<string> Video = [".mp4", ".webm", ".avi", ".mkv", ".mov", ".flv", ".wmv", ".m4v", ".mpg", ".mpeg", ".gif"];

    /// <summary>True when <paramref name="path"/> ends with an image extension.</summary>
    public static bool IsImage(string path) => Has(Image, path);

    /// <summary>True when <paramref name="path"/> ends with a video extension.</summary>
    public static bool IsVideo(string path) => Has(Video, path);

    static bool Has(IReadOnlyList<string> list, string path)
    {
        var ext = Path.GetExtension(path);
        foreach (var e in list)
            if (string.Equals(e, ext, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>Files of the given kind directly in <paramref name="directory"/> (not recursive), sorted by ordinal path like musubi's sorted glob.</summary>
    public static List<string> List(string directory, DatasetKind kind)
    {
        var files = Directory.EnumerateFiles(directory)
            .Where(kind == DatasetKind.Image ? IsImage : IsVideo)
            .Select(Path.GetFullPath)
            .ToList();
        files.Sort(StringComparer.Ordinal);
        return files;
    }
}
