using System.Text.Json;
using NativeWan.IO;
using NativeWan.IO.SafeTensors;
using NativeWan.Lora;

namespace NativeWan.Tests.Lora;

/// <summary>Golden LoRA facts read from the golden files (never hard-coded) and small helpers.</summary>
internal static class LoraTestData
{
    public static readonly string[] DitFiles = ["dit_t2v.safetensors", "dit_i2v.safetensors"];

    public static SafeTensorsFile Open(string file) => SafeTensorsFile.Open(Golden.Path(file));

    /// <summary>The golden metadata "lora" JSON: rank, alpha, multiplier and the musubi module names in musubi order.</summary>
    public static (int Rank, float Alpha, float Multiplier, string[] Modules) Meta(ITensorSource src)
    {
        using var doc = JsonDocument.Parse(src.Metadata["lora"]);
        var r = doc.RootElement;
        return (r.GetProperty("rank").GetInt32(), r.GetProperty("alpha").GetSingle(), r.GetProperty("multiplier").GetSingle(),
            r.GetProperty("modules").EnumerateArray().Select(e => e.GetString()!).ToArray());
    }

    /// <summary>Names of the golden LoRA tensors: top-level keys starting with lora_unet_ (not the grad.* copies).</summary>
    public static IEnumerable<TensorInfo> LoraTensors(ITensorSource src) => src.Tensors.Where(t => t.Name.StartsWith("lora_unet_", StringComparison.Ordinal));

    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "nativewan-lora-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(d);
        return d;
    }

    /// <summary>Asserts two networks hold the same modules with bit-identical matrices and equal alpha.</summary>
    public static void AssertSame(LoraNetwork expected, LoraNetwork actual, string what)
    {
        Assert.Equal(expected.Modules.Select(m => m.ModulePath), actual.Modules.Select(m => m.ModulePath));
        foreach (var e in expected.Modules)
        {
            var a = actual.Find(e.ModulePath)!;
            Assert.True(e.In == a.In && e.Out == a.Out && e.Rank == a.Rank, $"{what}: {e.ModulePath} shape");
            Assert.True(e.Alpha == a.Alpha, $"{what}: {e.ModulePath} alpha {a.Alpha} != {e.Alpha}");
            Assert.True(BitsEqual(e.Down, a.Down), $"{what}: {e.ModulePath} down differs");
            Assert.True(BitsEqual(e.Up, a.Up), $"{what}: {e.ModulePath} up differs");
        }
    }

    public static bool BitsEqual(float[] a, float[] b) =>
        a.Length == b.Length && a.AsSpan().SequenceEqual(b.AsSpan()) && a.Zip(b).All(p => BitConverter.SingleToInt32Bits(p.First) == BitConverter.SingleToInt32Bits(p.Second));
}
