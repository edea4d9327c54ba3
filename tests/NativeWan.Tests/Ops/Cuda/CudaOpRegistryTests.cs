using System.Reflection;
using NativeWan.Ops.Cpu;
using NativeWan.Ops.Cuda;

namespace NativeWan.Tests.Ops.Cuda;

public class CudaOpRegistryTests
{
    [Fact]
    public void EveryCpuOpHasACudaFamily()
    {
        var cpuOps = typeof(CpuOps).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Select(m => m.Name).Where(n => n.EndsWith("Forward", StringComparison.Ordinal) || n.EndsWith("Backward", StringComparison.Ordinal))
            .Distinct().ToArray();
        Assert.True(cpuOps.Length >= 20, $"only {cpuOps.Length} CPU ops found");
        var twins = CudaOpRegistry.Families.SelectMany(f => f.CpuTwins).ToHashSet();
        var missing = cpuOps.Where(n => !twins.Contains("CpuOps." + n)).ToArray();
        Assert.True(missing.Length == 0, $"CPU ops without a CUDA twin in CudaOpRegistry: {string.Join(", ", missing)}");
        foreach (var t in twins.Where(t => t.StartsWith("CpuOps.", StringComparison.Ordinal)))
            Assert.Contains(t["CpuOps.".Length..], cpuOps);
    }

    [Fact]
    public void RegistryAndKernelFilesAgree()
    {
        foreach (var k in CudaOpRegistry.AllKernels())
        {
            Assert.True(KernelSignatures.ByName.TryGetValue(k.Name, out var sig), $"{k} is not declared in kernels/");
            Assert.Equal(k.File, sig!.File);
        }
        var listed = CudaOpRegistry.AllKernels().Select(k => k.Name).ToHashSet();
        var unlisted = KernelSignatures.ByName.Values.Where(s => s.File != "elementwise.cu" && !listed.Contains(s.Name)).Select(s => s.Name).ToArray();
        Assert.True(unlisted.Length == 0, $"kernels not in CudaOpRegistry: {string.Join(", ", unlisted)}");
    }

    [Fact]
    public void EveryFamilyHasVerifierCasesAndUniqueNames()
    {
        var names = CudaOpRegistry.Families.Select(f => f.Name).ToArray();
        Assert.Equal(names.Length, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal(names, KernelVerifier.CoveredFamilies);
        Assert.Same(CudaOpRegistry.Families[0], CudaOpRegistry.Find(names[0].ToUpperInvariant()));
        Assert.Null(CudaOpRegistry.Find("no_such_op"));
    }

    [Fact]
    public void AttentionHasEveryHeadDimInstantiated()
    {
        var att = CudaOpRegistry.Find("attention")!;
        foreach (int d in LaunchShapes.AttentionHeadDims)
            foreach (var k in new[] { $"nw_attention_fwd_d{d}_bf16", $"nw_attention_bwd_dq_d{d}_bf16", $"nw_attention_bwd_dkdv_d{d}_bf16" })
                Assert.Contains(att.Kernels, e => e.Name == k);
    }
}
