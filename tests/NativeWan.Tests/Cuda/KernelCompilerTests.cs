using System.Text;
using NativeWan.Cuda.Nvrtc;

namespace NativeWan.Tests.Cuda;

/// <summary>A stand-in for NVRTC: the "image" is the request serialized, so tests can see exactly what was compiled.</summary>
internal sealed class FakeNvrtc
{
    public int Calls;
    public List<NvrtcRequest> Requests { get; } = new();
    public string? FailWithLog;

    public NvrtcOutput Compile(NvrtcRequest r)
    {
        Calls++;
        Requests.Add(r);
        if (FailWithLog is not null) return new NvrtcOutput(false, Array.Empty<byte>(), FailWithLog);
        var image = Encoding.UTF8.GetBytes($"{r.Kind}|{r.Name}|{string.Join(' ', r.Options)}|{r.Source}");
        return new NvrtcOutput(true, image, "");
    }
}

public class KernelCacheTests
{
    [Fact]
    public void MissThenHitWithAtomicWrites()
    {
        using var src = new TempDir(); using var cacheDir = new TempDir();
        src.Write("common.cuh", "#define X 1\n");
        src.Write("k.cu", "#include \"common.cuh\"\n");
        var fake = new FakeNvrtc();
        var compiler = new KernelCompiler(src.Path, new KernelCache(cacheDir.Path), fake.Compile, nvrtcVersion: "12.4");
        var target = new KernelTarget(89, KernelImageKind.Cubin);

        var first = compiler.Compile("k.cu", target);
        Assert.False(first.CacheHit);
        Assert.Equal(1, fake.Calls);
        var files = Directory.GetFiles(cacheDir.Path);
        Assert.Single(files);                                  // no temporary files left behind
        Assert.Equal(first.Key.FileName, System.IO.Path.GetFileName(files[0]));

        var second = compiler.Compile("k.cu", target);
        Assert.True(second.CacheHit);
        Assert.Equal(1, fake.Calls);
        Assert.Equal(first.Image, second.Image);

        // a second compiler instance (another process) sees the same entry
        var again = new KernelCompiler(src.Path, new KernelCache(cacheDir.Path), fake.Compile, nvrtcVersion: "12.4").Compile("k.cu", target);
        Assert.True(again.CacheHit);

        src.Write("common.cuh", "#define X 2\n");             // an include changed → miss
        var third = compiler.Compile("k.cu", target);
        Assert.False(third.CacheHit);
        Assert.Equal(2, fake.Calls);
        Assert.Equal(2, Directory.GetFiles(cacheDir.Path).Length);

        var forced = compiler.Compile("k.cu", target, bypassCache: true);
        Assert.False(forced.CacheHit);
        Assert.Equal(3, fake.Calls);
    }

    [Fact]
    public void EmptyOrRemovedEntriesAreRecompiled()
    {
        using var src = new TempDir(); using var cacheDir = new TempDir();
        src.Write("k.cu", "int x;\n");
        var fake = new FakeNvrtc();
        var cache = new KernelCache(cacheDir.Path);
        var compiler = new KernelCompiler(src.Path, cache, fake.Compile, nvrtcVersion: "12.4");
        var t = new KernelTarget(80, KernelImageKind.Cubin);
        var c = compiler.Compile("k.cu", t);
        File.WriteAllBytes(cache.PathFor(c.Key), Array.Empty<byte>());
        Assert.False(compiler.Compile("k.cu", t).CacheHit);
        cache.Remove(c.Key);
        Assert.False(File.Exists(cache.PathFor(c.Key)));
        Assert.False(compiler.Compile("k.cu", t).CacheHit);
        Assert.Equal(3, fake.Calls);
    }

    [Fact]
    public void GetOrAddRunsTheCompilerOnlyOnMiss()
    {
        using var cacheDir = new TempDir();
        var cache = new KernelCache(cacheDir.Path);
        var key = new KernelCacheKey(new string('a', 64), "x", "sm_80", KernelImageKind.Cubin);
        int calls = 0;
        var (img1, hit1) = cache.GetOrAdd(key, () => { calls++; return new byte[] { 1, 2, 3 }; });
        var (img2, hit2) = cache.GetOrAdd(key, () => { calls++; return new byte[] { 9 }; });
        Assert.False(hit1); Assert.True(hit2);
        Assert.Equal(new byte[] { 1, 2, 3 }, img2);
        Assert.Equal(img1, img2);
        Assert.Equal(1, calls);
    }

    [Fact]
    public void DefaultDirectoryHonoursTheEnvironmentVariable()
    {
        Assert.Equal(System.IO.Path.GetFullPath("/tmp/nw-cache-x"),
            KernelCache.DefaultDirectory(n => n == KernelCache.EnvironmentVariable ? "/tmp/nw-cache-x" : null));
        if (!OperatingSystem.IsWindows())
            Assert.Equal("/home/u/.cache/nativewan/kernels", KernelCache.DefaultDirectory(n => n == "HOME" ? "/home/u" : null));
    }
}

public class KernelCompilerTests
{
    [Fact]
    public void PassesArchLineInfoStdAndIncludePath()
    {
        using var src = new TempDir();
        src.Write("k.cu", "extern \"C\" __global__ void f() {}\n");
        var fake = new FakeNvrtc();
        var compiler = new KernelCompiler(src.Path, cache: null, fake.Compile, nvrtcVersion: "13.0", extraOptions: new[] { "-DFOO=1" });
        compiler.Compile("k.cu", new KernelTarget(90, KernelImageKind.Cubin));
        var r = fake.Requests.Single();
        Assert.Equal("kernels/k.cu", r.Name);
        Assert.Equal(new[] { "--gpu-architecture=sm_90", "-std=c++17", "-lineinfo", $"--include-path={compiler.KernelsDirectory}", "-DFOO=1" }, r.Options.ToArray());
        Assert.Equal(KernelImageKind.Cubin, r.Kind);
        // the key hashes the folder as a placeholder
        Assert.Contains($"--include-path={KernelCompiler.KernelsDirPlaceholder}", compiler.OptionTemplate(new KernelTarget(90, KernelImageKind.Cubin)));

        var noLine = new KernelCompiler(src.Path, null, fake.Compile, "13.0", Array.Empty<string>(), lineInfo: false);
        noLine.Compile("k.cu", new KernelTarget(75, KernelImageKind.Ptx));
        Assert.Equal(new[] { "--gpu-architecture=compute_75", "-std=c++17", $"--include-path={compiler.KernelsDirectory}" }, fake.Requests[1].Options.ToArray());
        Assert.Equal(KernelImageKind.Ptx, fake.Requests[1].Kind);
    }

    [Fact]
    public void CompileErrorThrowsWithFileLineAndLog()
    {
        using var src = new TempDir();
        src.Write("bad.cu", "extern \"C\" __global__ void f() { y = 1; }\n");
        var log = "kernels/bad.cu(1): error: identifier \"y\" is undefined\n    extern \"C\" __global__ void f() { y = 1; }\n                                      ^\n\n1 error detected in the compilation of \"kernels/bad.cu\".\n";
        var fake = new FakeNvrtc { FailWithLog = log };
        var compiler = new KernelCompiler(src.Path, null, fake.Compile, nvrtcVersion: "12.4", extraOptions: Array.Empty<string>());
        var e = Assert.Throws<NvrtcCompileException>(() => compiler.Compile("bad.cu", new KernelTarget(86, KernelImageKind.Cubin)));
        Assert.StartsWith("NVRTC 12.4 could not compile kernels/bad.cu for sm_86: 1 error\n  kernels/bad.cu:1: error: identifier \"y\" is undefined\n", e.Message);
        Assert.Contains("--- NVRTC log ---\n" + log.TrimEnd(), e.Message);
        Assert.Equal("sm_86", e.Arch);
        Assert.Single(e.Diagnostics);
    }

    [Fact]
    public void MissingKernelFolderOrFileThrows()
    {
        Assert.Throws<DirectoryNotFoundException>(() => new KernelCompiler("/nonexistent/nw/kernels", null, new FakeNvrtc().Compile, "1.0"));
        using var src = new TempDir();
        var c = new KernelCompiler(src.Path, null, new FakeNvrtc().Compile, "1.0");
        Assert.Throws<FileNotFoundException>(() => c.Compile("absent.cu", new KernelTarget(80, KernelImageKind.Cubin)));
    }

    [Theory]
    [InlineData(89, new[] { 75, 80, 86, 89, 90 }, 89, KernelImageKind.Cubin)]
    [InlineData(120, new[] { 75, 80, 86, 89, 90 }, 90, KernelImageKind.Ptx)]     // GPU newer than NVRTC: PTX, driver JITs
    [InlineData(87, new[] { 75, 80, 86, 89, 90 }, 86, KernelImageKind.Ptx)]
    public void SelectTargetPrefersCubinElsePtxBelow(int cc, int[] supported, int arch, KernelImageKind kind)
        => Assert.Equal(new KernelTarget(arch, kind), KernelCompiler.SelectTarget(cc, supported));

    [Fact]
    public void SelectTargetRejectsTooOldGpu()
        => Assert.Throws<NotSupportedException>(() => KernelCompiler.SelectTarget(61, new[] { 75, 80 }));

    [Fact]
    public void KernelFilesListsTopLevelCuFilesSorted()
    {
        using var src = new TempDir();
        src.Write("b.cu", ""); src.Write("a.cu", ""); src.Write("common.cuh", ""); src.Write("sub/c.cu", "");
        Assert.Equal(new[] { "a.cu", "b.cu" }, new KernelCompiler(src.Path, null, new FakeNvrtc().Compile, "1").KernelFiles().ToArray());
    }

    [Fact]
    public void FatbinIsUsedOnlyWhenNewerThanEverySource()
    {
        using var src = new TempDir(); using var fat = new TempDir();
        var main = src.Write("k.cu", "#include \"common.cuh\"\n");
        var common = src.Write("common.cuh", "\n");
        var set = IncludeResolver.Resolve(main, src.Path);
        Assert.Null(KernelLocations.FindFatbin(fat.Path, set, out var why));
        Assert.StartsWith("no ", why);
        var fb = fat.Write("k.fatbin", "x");
        var t0 = DateTime.UtcNow.AddMinutes(-10);
        File.SetLastWriteTimeUtc(main, t0); File.SetLastWriteTimeUtc(common, t0); File.SetLastWriteTimeUtc(fb, t0.AddMinutes(1));
        Assert.Equal(fb, KernelLocations.FindFatbin(fat.Path, set, out _));
        File.SetLastWriteTimeUtc(common, t0.AddMinutes(2));
        Assert.Null(KernelLocations.FindFatbin(fat.Path, set, out why));
        Assert.StartsWith("stale: common.cuh", why);
        Assert.Null(KernelLocations.FindFatbin(null, set, out why));
        Assert.Contains("off", why);
        Assert.Null(KernelLocations.FatbinDirectory(n => n == KernelLocations.FatbinVariable ? "off" : null));
    }
}

public class NvrtcLogTests
{
    const string Log =
        "kernels/elementwise.cu(12): warning #177-D: variable \"t\" was declared but never referenced\n" +
        "      float t;\n" +
        "            ^\n\n" +
        "/abs/kernels/common.cuh(40): error: identifier \"foo\" is undefined\n" +
        "kernels/elementwise.cu(20): catastrophic error: cannot open source file \"x.cuh\"\r\n" +
        "2 errors detected in the compilation of \"kernels/elementwise.cu\".\n";

    [Fact]
    public void ParsesFileLineSeverityAndMessage()
    {
        var d = NvrtcLog.Parse(Log);
        Assert.Equal(3, d.Count);
        Assert.Equal(new NvrtcDiagnostic("kernels/elementwise.cu", 12, "warning", "variable \"t\" was declared but never referenced"), d[0]);
        Assert.Equal(new NvrtcDiagnostic("/abs/kernels/common.cuh", 40, "error", "identifier \"foo\" is undefined"), d[1]);
        Assert.Equal(new NvrtcDiagnostic("kernels/elementwise.cu", 20, "catastrophic error", "cannot open source file \"x.cuh\""), d[2]);
    }

    [Fact]
    public void FormatListsErrorsOnlyThenOptionsThenLog()
    {
        var m = NvrtcLog.FormatFailure("kernels/elementwise.cu", "sm_89", "12.4", new[] { "-std=c++17", "-lineinfo" }, Log);
        var lines = m.Split('\n');
        Assert.Equal("NVRTC 12.4 could not compile kernels/elementwise.cu for sm_89: 2 errors", lines[0]);
        Assert.Equal("  /abs/kernels/common.cuh:40: error: identifier \"foo\" is undefined", lines[1]);
        Assert.Equal("  kernels/elementwise.cu:20: catastrophic error: cannot open source file \"x.cuh\"", lines[2]);
        Assert.Equal("options: -std=c++17 -lineinfo", lines[3]);
        Assert.Equal("--- NVRTC log ---", lines[4]);
        Assert.Contains("2 errors detected", m);
    }

    [Fact]
    public void FormatCapsTheErrorList()
    {
        var log = string.Concat(Enumerable.Range(1, 15).Select(i => $"k.cu({i}): error: e{i}\n"));
        var m = NvrtcLog.FormatFailure("k.cu", "sm_80", "12.0", Array.Empty<string>(), log, maxListed: 10);
        Assert.Contains("15 errors", m);
        Assert.Contains("  k.cu:10: error: e10\n  ... and 5 more\n", m);
        Assert.DoesNotContain("  k.cu:11: error", m);
    }
}
