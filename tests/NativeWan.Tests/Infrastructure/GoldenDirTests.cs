namespace NativeWan.Tests;

public class GoldenDirTests
{
    [Fact]
    public void GoldenDirectoryHoldsTheDitFiles()
    {
        Assert.True(File.Exists(Golden.Path("dit_t2v.safetensors")), $"golden dir not found: {Golden.Dir} (set NATIVEWAN_GOLDEN_DIR)");
    }
}
