using System.Security.Cryptography;
using System.Text;

namespace NativeWan.Cuda.Nvrtc;

/// <summary>
/// The identity of a compiled kernel image: SHA-256 over the main source, every included file (name and contents),
/// the unresolved include names, the compiler options, the target architecture, the image kind and the NVRTC version.
/// Any change to any of them gives a different key; identical inputs give the same key on any machine and checkout
/// location (file names are relative to the kernels folder).
/// </summary>
/// <param name="Hash">64 lowercase hex digits.</param>
/// <param name="Stem">Main file name without extension.</param>
/// <param name="Arch">Target, e.g. "sm_89" or "compute_90".</param>
/// <param name="Kind">Cubin or PTX.</param>
public sealed record KernelCacheKey(string Hash, string Stem, string Arch, KernelImageKind Kind)
{
    /// <summary>Bump when the key layout changes.</summary>
    const string Format = "nativewan-kernel-cache-v1";

    /// <summary>Cache file name: <c>{stem}-{arch}-{hash}.cubin</c> (or <c>.ptx</c>).</summary>
    public string FileName => $"{Stem}-{Arch}-{Hash}.{(Kind == KernelImageKind.Ptx ? "ptx" : "cubin")}";

    /// <summary>Computes the key. The option order matters (NVRTC options are order-sensitive).</summary>
    public static KernelCacheKey Compute(KernelSourceSet sources, IReadOnlyList<string> options, string arch, KernelImageKind kind, string nvrtcVersion)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Text(string tag, string value)
        {
            var b = Encoding.UTF8.GetBytes(value);
            h.AppendData(Encoding.ASCII.GetBytes($"{tag}:{b.Length}:"));
            h.AppendData(b);
            h.AppendData("\n"u8);
        }
        void Bytes(string tag, byte[] value)
        {
            h.AppendData(Encoding.ASCII.GetBytes($"{tag}:{value.Length}:"));
            h.AppendData(value);
            h.AppendData("\n"u8);
        }
        Text("format", Format);
        Text("nvrtc", nvrtcVersion);
        Text("arch", arch);
        Text("kind", kind.ToString());
        Text("options", options.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var o in options) Text("option", o);
        Text("main", sources.Main.RelativeName);
        Bytes("main-bytes", sources.Main.Bytes);
        foreach (var f in sources.Includes.OrderBy(f => f.RelativeName, StringComparer.Ordinal))
        {
            Text("include", f.RelativeName);
            Bytes("include-bytes", f.Bytes);
        }
        foreach (var u in sources.Unresolved.OrderBy(u => u, StringComparer.Ordinal)) Text("unresolved", u);
        var hash = Convert.ToHexStringLower(h.GetHashAndReset());
        return new KernelCacheKey(hash, sources.Stem, arch, kind);
    }
}
