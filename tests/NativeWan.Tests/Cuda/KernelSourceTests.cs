using NativeWan.Cuda.Nvrtc;

namespace NativeWan.Tests.Cuda;

public class IncludeResolverTests
{
    [Fact]
    public void ResolvesNestedRelativeAndIncludePathIncludesOnce()
    {
        using var d = new TempDir();
        var main = d.Write("k/main.cu", "#include \"common.cuh\"\n  #  include \"sub/a.cuh\"\n#include <cuda_bf16.h>\n// #include \"commented.cuh\"\nint x;\n");
        d.Write("k/common.cuh", "#pragma once\n#include \"sub/a.cuh\"\n");
        d.Write("k/sub/a.cuh", "#include \"b.cuh\"\n#include \"../common.cuh\"\n");   // relative to sub/, and a cycle
        d.Write("k/sub/b.cuh", "#include \"shared.cuh\"\n");                          // found via the include dir
        d.Write("inc/shared.cuh", "// shared\n");
        var set = IncludeResolver.Resolve(main, System.IO.Path.Combine(d.Path, "k"), new[] { System.IO.Path.Combine(d.Path, "k"), System.IO.Path.Combine(d.Path, "inc") });

        Assert.Equal("main.cu", set.Main.RelativeName);
        Assert.Equal(new[] { "../inc/shared.cuh", "common.cuh", "sub/a.cuh", "sub/b.cuh" }, set.Includes.Select(i => i.RelativeName).ToArray());
        Assert.Empty(set.Unresolved);   // <cuda_bf16.h> is an angle include; the commented one has no leading '#'
        Assert.Equal("main", set.Stem);
    }

    [Fact]
    public void MissingQuotedIncludesAreReportedNotFatal()
    {
        using var d = new TempDir();
        var main = d.Write("main.cu", "#include \"cuda_bf16.h\"\n#include \"nope/x.h\"\n#include \"cuda_bf16.h\"\n");
        var set = IncludeResolver.Resolve(main, d.Path);
        Assert.Equal(new[] { "cuda_bf16.h", "nope/x.h" }, set.Unresolved.ToArray());
        Assert.Empty(set.Includes);
    }

    [Fact]
    public void MissingMainFileThrows()
    {
        using var d = new TempDir();
        var e = Assert.Throws<FileNotFoundException>(() => IncludeResolver.Resolve(System.IO.Path.Combine(d.Path, "absent.cu"), d.Path));
        Assert.Contains("absent.cu", e.Message);
    }

    [Fact]
    public void RepositoryKernelsResolveAndUseNoHostHeaders()
    {
        var dir = KernelLocations.FindKernelsDirectory();
        Assert.NotNull(dir);
        var files = Directory.GetFiles(dir!, "*.cu");
        Assert.NotEmpty(files);
        foreach (var f in files)
        {
            var set = IncludeResolver.Resolve(f, dir!);
            Assert.Contains(set.Includes, i => i.RelativeName == "common.cuh");
            Assert.Empty(set.Unresolved);
            foreach (var src in set.AllFiles)
            {
                // NVRTC has no host headers: the only angle include allowed is NVRTC's built-in cuda_bf16.h / cuda_fp16.h
                foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(src.Text, "^\\s*#\\s*include\\s*<([^>]+)>", System.Text.RegularExpressions.RegexOptions.Multiline))
                    Assert.Contains(m.Groups[1].Value, new[] { "cuda_bf16.h", "cuda_fp16.h" });
            }
            // every __global__ is extern "C" (looked up by plain name)
            var text = set.Main.Text;
            int globals = System.Text.RegularExpressions.Regex.Matches(text, "__global__").Count;
            int externC = System.Text.RegularExpressions.Regex.Matches(text, "extern \"C\" __global__").Count;
            Assert.True(globals > 0 && globals == externC, $"{f}: {globals} __global__, {externC} extern \"C\" __global__");
        }
    }
}

public class KernelCacheKeyTests
{
    static (TempDir Dir, string Main) Sample()
    {
        var d = new TempDir();
        var main = d.Write("main.cu", "#include \"common.cuh\"\nextern \"C\" __global__ void k() {}\n");
        d.Write("common.cuh", "#include \"deep.cuh\"\n#define A 1\n");
        d.Write("deep.cuh", "#define B 2\n");
        return (d, main);
    }

    static KernelCacheKey Key(string main, string root, IReadOnlyList<string>? options = null, string arch = "sm_89", KernelImageKind kind = KernelImageKind.Cubin, string version = "12.4")
        => KernelCacheKey.Compute(IncludeResolver.Resolve(main, root), options ?? new[] { "-std=c++17", "-lineinfo" }, arch, kind, version);

    [Fact]
    public void SameInputsGiveTheSameKeyEvenInAnotherFolder()
    {
        var (d, main) = Sample();
        var (d2, main2) = Sample();
        using (d) using (d2)
        {
            var k1 = Key(main, d.Path);
            Assert.Equal(k1, Key(main, d.Path));
            Assert.Equal(k1.Hash, Key(main2, d2.Path).Hash);     // relative names: checkout location does not matter
            Assert.Matches("^[0-9a-f]{64}$", k1.Hash);
            Assert.Equal($"main-sm_89-{k1.Hash}.cubin", k1.FileName);
        }
    }

    [Fact]
    public void EveryInputChangesTheKey()
    {
        var (d, main) = Sample();
        using (d)
        {
            var baseline = Key(main, d.Path).Hash;
            var seen = new HashSet<string> { baseline };
            void Differs(string label, string hash) => Assert.True(seen.Add(hash), $"{label} did not change the key");

            Differs("options", Key(main, d.Path, new[] { "-std=c++17" }).Hash);
            Differs("option order", Key(main, d.Path, new[] { "-lineinfo", "-std=c++17" }).Hash);
            Differs("arch", Key(main, d.Path, arch: "sm_90").Hash);
            Differs("kind", Key(main, d.Path, kind: KernelImageKind.Ptx).Hash);
            Differs("nvrtc version", Key(main, d.Path, version: "12.5").Hash);

            File.AppendAllText(System.IO.Path.Combine(d.Path, "deep.cuh"), " ");      // a nested include's bytes
            Differs("nested include", Key(main, d.Path).Hash);
            File.AppendAllText(System.IO.Path.Combine(d.Path, "common.cuh"), "\n");
            Differs("direct include", Key(main, d.Path).Hash);
            File.AppendAllText(main, "// edit\n");
            Differs("main", Key(main, d.Path).Hash);
            File.AppendAllText(main, "#include \"not-there.h\"\n");
            Differs("new unresolved include", Key(main, d.Path).Hash);
            d.Write("extra.cuh", "");
            File.AppendAllText(main, "#include \"extra.cuh\"\n");
            Differs("new (empty) include file", Key(main, d.Path).Hash);
        }
    }

    [Fact]
    public void MovingContentBetweenFilesChangesTheKey()
    {
        // "ab" + "" and "a" + "b" must not collide: names and lengths are part of the hashed stream
        using var d1 = new TempDir(); using var d2 = new TempDir();
        var m1 = d1.Write("m.cu", "#include \"h.cuh\"\nab"); d1.Write("h.cuh", "");
        var m2 = d2.Write("m.cu", "#include \"h.cuh\"\na"); d2.Write("h.cuh", "b");
        Assert.NotEqual(Key(m1, d1.Path).Hash, Key(m2, d2.Path).Hash);
    }
}
