namespace NativeWan.Numerics;

/// <summary>Element types of tensors in safetensors / .pth files (safetensors spelling in <see cref="DTypeInfo.Name"/>).</summary>
public enum DType
{
    F64, F32, F16, BF16,
    /// <summary>OCP FP8 E4M3FN (no infinities, NaN = S.1111.111, max 448).</summary>
    F8_E4M3,
    /// <summary>OCP FP8 E5M2 (IEEE-like: infinities and NaNs, max 57344).</summary>
    F8_E5M2,
    I64, I32, I16, I8, U8, BOOL,
}

/// <summary>Size and name of each <see cref="DType"/>.</summary>
public static class DTypeInfo
{
    /// <summary>Bytes per element.</summary>
    public static int Size(this DType t) => t switch
    {
        DType.F64 or DType.I64 => 8,
        DType.F32 or DType.I32 => 4,
        DType.F16 or DType.BF16 or DType.I16 => 2,
        _ => 1,
    };

    /// <summary>The safetensors header spelling (e.g. "BF16", "F8_E4M3").</summary>
    public static string Name(this DType t) => t.ToString();

    /// <summary>Parses a safetensors dtype string; returns false for unknown names.</summary>
    public static bool TryParse(string s, out DType t) => Enum.TryParse(s, ignoreCase: false, out t) && Enum.IsDefined(t);

    /// <summary>True for the floating-point types (F64, F32, F16, BF16, F8_*).</summary>
    public static bool IsFloat(this DType t) => t is DType.F64 or DType.F32 or DType.F16 or DType.BF16 or DType.F8_E4M3 or DType.F8_E5M2;
}
