using NativeWan.Numerics;

namespace NativeWan.Ops.Cuda;

/// <summary>
/// Builders of <see cref="KernelCall"/>s for the op kernels in kernels/*.cu, one per kernel entry point, with the
/// parameters in the kernel's declaration order and the launch shape from <see cref="LaunchShapes"/>. They only
/// validate and describe (no GPU needed); <see cref="CudaOps"/> runs them. Signatures follow the CPU twins in
/// <see cref="Cpu.CpuOps"/> (outputs first, then inputs, then sizes); tensors are <see cref="GpuTensor"/>s whose dtype
/// selects the kernel variant (suffix _bf16 / _f32).
/// </summary>
/// <remarks>
/// Every builder throws <see cref="ArgumentException"/> naming the op and the parameter when a size is not positive,
/// a required tensor is null, a tensor is shorter than the op needs, or its dtype has no kernel variant; and
/// <see cref="ArgumentOutOfRangeException"/> when a launch dimension exceeds the CUDA limits.
/// </remarks>
public static partial class KernelPlans
{
    static void Positive(int value, string name, string op)
    {
        if (value <= 0) throw new ArgumentException($"{op}: {name} must be positive (got {value})", name);
    }

    static void Need(GpuTensor t, long elements, string name, string op, params DType[] dtypes)
    {
        if (t.IsNull) throw new ArgumentException($"{op}: {name} is required (got a null tensor)", name);
        Check(t, elements, name, op, dtypes);
    }

    static void Optional(GpuTensor t, long elements, string name, string op, params DType[] dtypes)
    {
        if (!t.IsNull) Check(t, elements, name, op, dtypes);
    }

    static void Check(GpuTensor t, long elements, string name, string op, DType[] dtypes)
    {
        if (Array.IndexOf(dtypes, t.DType) < 0)
            throw new ArgumentException($"{op}: {name} is {t.DType}; expected {string.Join(" or ", dtypes)}", name);
        if (t.Length < elements) throw new ArgumentException($"{op}: {name} has {t.Length} elements, {elements} needed", name);
    }

    static void SameType(GpuTensor a, GpuTensor b, string nameA, string nameB, string op)
    {
        if (a.DType != b.DType) throw new ArgumentException($"{op}: {nameA} is {a.DType} but {nameB} is {b.DType}; they must match", nameA);
    }

    /// <summary>Checks a per-row vector read at <c>row·stride</c> (stride 0 = broadcast) for rows·dim outputs.</summary>
    static void RowVector(GpuTensor t, long stride, int rows, int dim, string name, string op, bool required)
    {
        if (stride < 0) throw new ArgumentException($"{op}: the row stride of {name} must be ≥ 0 (got {stride})", name);
        long need = (rows - 1) * stride + dim;
        if (required) Need(t, need, name, op, DType.F32); else Optional(t, need, name, op, DType.F32);
    }

    /// <summary>Kernel-name suffix of a storage type: "bf16" or "f32".</summary>
    /// <exception cref="ArgumentException">Any other dtype.</exception>
    public static string Suffix(DType t) => t switch
    {
        DType.BF16 => "bf16",
        DType.F32 => "f32",
        _ => throw new ArgumentException($"no kernel variant for {t} (bf16 or f32 only)", nameof(t)),
    };
}
