using System.Diagnostics;
using NativeWan.Data;

namespace NativeWan.Tests.Data;

/// <summary>Temp directories and small generated media files for the Data tests (nothing is written into the repo).</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "nativewan-data-" + Guid.NewGuid().ToString("N")[..12]);

    public TempDir() => Directory.CreateDirectory(Path);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, string text)
    {
        var p = File(name);
        System.IO.File.WriteAllText(p, text);
        return p;
    }

    public string WriteGarbage(string name, int bytes = 4096, int seed = 1)
    {
        var data = new byte[bytes];
        new Random(seed).NextBytes(data);
        var p = File(name);
        System.IO.File.WriteAllBytes(p, data);
        return p;
    }

    public string CopyPhoto(string name, string? as_ = null)
    {
        var p = File(as_ ?? name);
        System.IO.File.Copy(TestMedia.Photo(name), p);
        return p;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

internal static class TestMedia
{
    /// <summary>The shared real photo/clip set (see its README.md).</summary>
    public static string PhotosDir => System.IO.Path.Combine(Golden.SharedDir, "datasets", "photos");

    public static string Photo(string name) => System.IO.Path.Combine(PhotosDir, name);

    /// <summary>A deterministic RGB test pattern for frame <paramref name="f"/>: every byte depends on (x, y, c, f).</summary>
    public static RgbImage Pattern(int w, int h, int f = 0)
    {
        var img = new RgbImage(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int o = img.Offset(x, y);
                img.Rgb[o] = (byte)(x * 29 + f * 17);
                img.Rgb[o + 1] = (byte)(y * 41 + f * 7);
                img.Rgb[o + 2] = (byte)((x * y * 13 + f * 53) ^ 0x5a);
            }
        return img;
    }

    /// <summary>Runs ffmpeg with the given arguments (after <c>-v error -y</c>) and asserts success.</summary>
    public static void Ffmpeg(params string[] args)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-hide_banner", "-nostdin", "-v", "error", "-y" }.Concat(args)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"ffmpeg {string.Join(' ', args)} failed: {err.Result}");
    }

    /// <summary>Encodes raw rgb24 frames with ffmpeg (<paramref name="codecArgs"/> e.g. <c>-c:v png</c>) into <paramref name="output"/>.</summary>
    public static void Encode(IReadOnlyList<RgbImage> frames, string output, double fps, params string[] codecArgs)
    {
        var raw = output + ".rgb";
        using (var fs = System.IO.File.Create(raw))
            foreach (var f in frames) fs.Write(f.Rgb);
        try
        {
            Ffmpeg([.. new[] { "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", $"{frames[0].Width}x{frames[0].Height}",
                "-r", fps.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", raw }, .. codecArgs, output]);
        }
        finally { System.IO.File.Delete(raw); }
    }
}
