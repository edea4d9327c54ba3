using NativeWan.Cuda.Driver;
using NativeWan.Numerics;
using NativeWan.Ops.Cpu;
using NativeWan.Ops.Cuda;

namespace NativeWan.Tests.Ops.Cuda;

public class KernelPlanTests
{
    [Fact]
    public void EveryKernelHasAPlanWhoseArgumentsMatchTheDeclarationInKindAndName()
    {
        var samples = KernelPlanSamples.All().ToArray();
        var planned = samples.Select(c => c.Kernel).ToHashSet();
        var missing = CudaOpRegistry.AllKernels().Where(k => !planned.Contains(k.Name)).ToArray();
        Assert.True(missing.Length == 0, $"no plan sample for {string.Join(", ", missing)}");
        foreach (var call in samples)
        {
            Assert.True(KernelSignatures.ByName.TryGetValue(call.Kernel, out var sig), $"{call.Kernel} is not declared in kernels/");
            Assert.Equal(sig!.File, call.File);
            Assert.True(sig.Params.Count == call.Count, $"{call.Kernel}: the .cu declares {sig.Params.Count} parameters, the plan passes {call.Count}");
            for (int i = 0; i < call.Count; i++)
            {
                var (kind, ctype, name) = sig.Params[i];
                Assert.True(kind == call[i].Kind, $"{call.Kernel} parameter {i} '{ctype} {name}': plan passes {call[i].Kind}");
                if (kind != KernelArgKind.Pointer && KernelPlanSamples.Sizes.TryGetValue(name, out long expected))
                    Assert.True(Convert.ToInt64(call[i].Value) == expected, $"{call.Kernel} parameter '{name}' got {call[i].Value}, expected {expected}");
                if (kind == KernelArgKind.Pointer && !name.Contains("rstd") && !name.Contains("mean"))
                    Assert.True(call[i].Bits != 0 || IsOptional(call.Kernel, name), $"{call.Kernel}: required pointer '{name}' is null");
            }
        }
    }

    static bool IsOptional(string kernel, string name) => name is "gate" or "p_bf16" or "target" or "sum_out" or "dpred" or "weight" or "bias" or "shift" or "scale" or "dweight" or "dbias";

    [Fact]
    public unsafe void PackingWritesEachParameterWithItsCSize()
    {
        var call = KernelPlans.LayerNormForward(new GpuTensor(0xABC000, 200, DType.BF16), default, new GpuTensor(0xDEF000, 4, DType.F32),
            new GpuTensor(0x123000, 200, DType.F32), default, default, 4, 50, 1e-6f, shift: default, scale: new GpuTensor(0x456000, 50, DType.F32),
            modStride: 0);
        Assert.Equal("nw_layernorm_fwd_f32", call.Kernel);
        var args = new KernelArgs();
        call.Pack(ref args);
        Assert.Equal(12, args.Count);
        void** p = stackalloc void*[args.Count];
        args.WritePointers(p);
        Assert.Equal(0xABC000UL, *(ulong*)p[0]);
        Assert.Equal(0UL, *(ulong*)p[1]);                 // mean: null
        Assert.Equal(0xDEF000UL, *(ulong*)p[2]);
        Assert.Equal(0x123000UL, *(ulong*)p[3]);
        Assert.Equal(0x456000UL, *(ulong*)p[7]);           // scale
        Assert.Equal(0L, *(long*)p[8]);                    // mod_stride (long long)
        Assert.Equal(4, *(int*)p[9]);
        Assert.Equal(50, *(int*)p[10]);
        Assert.Equal(1e-6f, *(float*)p[11]);
        Assert.Equal(new Dim3(4), call.Grid);
        Assert.Equal(new Dim3(256), call.Block);
        Assert.Contains("nw_layernorm_fwd_f32<<<(4,1,1), (256,1,1), 0>>>", call.ToString());
    }

    [Fact]
    public void DTypeSelectsTheKernelVariant()
    {
        var b = new GpuTensor(0x1000, 100, DType.BF16); var f = new GpuTensor(0x2000, 100, DType.F32);
        Assert.Equal("nw_gelu_tanh_fwd_bf16", KernelPlans.GeluTanhForward(b, b, 100).Kernel);
        Assert.Equal("nw_silu_bwd_f32", KernelPlans.SiluBackward(f, f, f, 100).Kernel);
        Assert.Equal("nw_gated_residual_fwd_f32", KernelPlans.GatedResidualForward(f, b, default, 10, 10).Kernel);
        Assert.Equal("nw_attention_fwd_d40_bf16", KernelPlans.AttentionForward(new GpuTensor(1, 2 * 40, DType.BF16), new GpuTensor(2, 2, DType.F32),
            new GpuTensor(3, 80, DType.BF16), new GpuTensor(4, 80, DType.BF16), new GpuTensor(5, 80, DType.BF16), 2, 2, 1, 40, 2, 0.1f).Kernel);
        var g = new PatchGeometry(2, 1, 2, 2, 1, 2, 2);
        Assert.Equal("nw_unpatchify_bf16_f32", KernelPlans.PatchifyBackward(new GpuTensor(1, 8, DType.F32), new GpuTensor(2, 8, DType.BF16), g).Kernel);
        Assert.Equal("nw_patchify_f32_f32", KernelPlans.UnpatchifyBackward(new GpuTensor(1, 8, DType.F32), new GpuTensor(2, 8, DType.F32), g).Kernel);
    }

    [Fact]
    public void BadInputsAreRejectedWithTheOpAndParameterNamed()
    {
        var b = new GpuTensor(0x1000, 100, DType.BF16); var f = new GpuTensor(0x2000, 100, DType.F32);
        var e = Assert.Throws<ArgumentException>(() => KernelPlans.LayerNormForward(b, default, default, new GpuTensor(0x3000, 100, DType.F16), default, default, 10, 10, 1e-6f));
        Assert.Contains("LayerNormForward: input is F16; expected BF16 or F32", e.Message);
        e = Assert.Throws<ArgumentException>(() => KernelPlans.RmsNormForward(b, default, new GpuTensor(0x3000, 99, DType.BF16), f, 10, 10, 1e-6f));
        Assert.Contains("RmsNormForward: input has 99 elements, 100 needed", e.Message);
        e = Assert.Throws<ArgumentException>(() => KernelPlans.RmsNormForward(b, default, b, default, 10, 10, 1e-6f));
        Assert.Contains("weight is required", e.Message);
        e = Assert.Throws<ArgumentException>(() => KernelPlans.RmsNormBackward(b, b, b, f, f, 10, 10));
        Assert.Contains("must not alias", e.Message);
        e = Assert.Throws<ArgumentException>(() => KernelPlans.ModulateForward(b, b, f, new GpuTensor(0x4000, 95, DType.F32), 2, 50, 50));
        Assert.Contains("scale has 95 elements, 100 needed", e.Message);   // (rows−1)·stride + dim
        e = Assert.Throws<ArgumentException>(() => KernelPlans.AttentionForward(b, f, b, b, b, 1, 1, 1, 48, 1, 0.1f));
        Assert.Contains("head_dim 48 has no kernel instantiation (supported: 32, 40, 64, 128)", e.Message);
        e = Assert.Throws<ArgumentException>(() => KernelPlans.AttentionForward(b, f, b, b, b, 1, 1, 1, 32, 2, 0.1f));
        Assert.Contains("keyValid (2) must be in 1..1", e.Message);
        e = Assert.Throws<ArgumentException>(() => KernelPlans.GeluTanhForward(b, f, 50));
        Assert.Contains("output is BF16 but input is F32", e.Message);
        e = Assert.Throws<ArgumentException>(() => KernelPlans.LayerNormParamGrad(default, default, b, b, f, f, 10, 10));
        Assert.Contains("both null", e.Message);
        var rope = RopeDeviceTable.Describe(new RopeTable(64, 2, 2, 2), 1, 2, 3);
        e = Assert.Throws<ArgumentException>(() => KernelPlans.Rope3d(b, b, rope, 7, 1));
        Assert.Contains("rows (7) is below the RoPE grid's 8 tokens", e.Message);
        e = Assert.Throws<ArgumentException>(() => KernelPlans.LoraDown(f, b, b, 0, 10, 2));
        Assert.Contains("rows must be positive", e.Message);
        e = Assert.Throws<ArgumentException>(() => KernelPlans.SinusoidalEmbeddingForward(f, new GpuTensor(1, 2, DType.F64), 2, 7));
        Assert.Contains("dim must be positive and even", e.Message);
    }

    [Fact]
    public void KernelCallRejectsTooManyArgumentsAndReportsValues()
    {
        var c = new KernelCall("x.cu", "k", 1, 32);
        for (int i = 0; i < KernelCall.MaxArgs; i++) c.I32(i);
        Assert.Throws<InvalidOperationException>(() => c.I32(99));
        Assert.Equal(KernelCall.MaxArgs, c.Count);
        var d = new KernelCall("x.cu", "k", 1, 32);
        d.F32(1.5f); d.F64(-2.25); d.I64(-7); d.Ptr(new GpuTensor(0xFF, 1, DType.F32));
        var a = d.Args();
        Assert.Equal(1.5f, (float)a[0].Value); Assert.Equal(KernelArgKind.Float32, a[0].Kind);
        Assert.Equal(-2.25, (double)a[1].Value); Assert.Equal(KernelArgKind.Float64, a[1].Kind);
        Assert.Equal(-7L, (long)a[2].Value); Assert.Equal(KernelArgKind.Int64, a[2].Kind);
        Assert.Equal(0xFFUL, (ulong)a[3].Value); Assert.Equal("0xFF", a[3].ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => d[4]);
    }
}
