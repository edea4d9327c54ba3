using NativeWan.Cli.Commands;

namespace NativeWan.Tests.Cuda;

public class DoctorCommandTests
{
    [NoGpuFact]
    public void WithoutDriverDoctorSaysSoAndFails()
    {
        var w = new StringWriter();
        int rc = DoctorCommand.Run(new DoctorOptions(), w);
        var text = w.ToString();
        Assert.NotEqual(0, rc);
        Assert.Contains("no CUDA driver (libcuda.so.1) was found", text);
        Assert.Contains("CUDA driver  not found (tried libcuda.so.1", text);
        Assert.Contains("doctor: 1 problem(s):", text);
        Assert.DoesNotContain("everything works", text);
    }

    [GpuFact]
    public void WithDriverDoctorPassesEveryCheck()
    {
        var w = new StringWriter();
        using var cache = new TempDir();
        int rc = DoctorCommand.Run(new DoctorOptions { CacheDirectory = cache.Path }, w);
        Assert.True(rc == 0, w.ToString());
        Assert.Contains("compiled (cache miss)", w.ToString());
        // second run: every kernel from the cache
        var w2 = new StringWriter();
        Assert.Equal(0, DoctorCommand.Run(new DoctorOptions { CacheDirectory = cache.Path }, w2));
        Assert.Contains("cache hit", w2.ToString());
    }
}
