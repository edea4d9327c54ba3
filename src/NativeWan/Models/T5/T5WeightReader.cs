using NativeWan.IO;
using NativeWan.Numerics;

namespace NativeWan.Models.T5;

/// <summary>
/// Reads one encoder weight as float32: any float dtype <see cref="TensorSourceExtensions.ReadFloat32"/> handles
/// (F32/F16/BF16/F64), plus fp8 (<c>F8_E4M3</c>, <c>F8_E5M2</c>) decoded here. A per-tensor scale stored beside the
/// weight (<c>&lt;layer&gt;.scale_weight</c>, ComfyUI legacy "scaled fp8", or <c>&lt;layer&gt;.weight_scale</c>, its newer
/// spelling) multiplies the decoded values: <c>W = float(W_stored) · scale</c> (spec §8.1).
/// </summary>
/// <remarks>
/// The fp8 decode is private to the T5 loader until the shared numerics converter handles fp8; it follows OCP
/// 8-bit floating point (E4M3FN: bias 7, no infinities, S.1111.111 = NaN, max 448; E5M2: the top byte of an IEEE
/// half).
/// </remarks>
internal static class T5WeightReader
{
    static readonly float[] E4M3Table = BuildE4M3Table();

    /// <summary>Decodes one OCP E4M3FN byte.</summary>
    internal static float DecodeE4M3(byte b) => E4M3Table[b];

    static float[] BuildE4M3Table()
    {
        var t = new float[256];
        for (int b = 0; b < 256; b++)
        {
            int sign = b >> 7, exp = (b >> 3) & 0xF, mant = b & 0x7;
            float v;
            if (exp == 0xF && mant == 0x7) v = float.NaN;
            else if (exp == 0) v = mant / 8f * MathF.Pow(2, -6);            // subnormal: 0.mmm · 2^(1−7)
            else v = (1f + mant / 8f) * MathF.Pow(2, exp - 7);              // normal: 1.mmm · 2^(e−7)
            t[b] = sign == 1 ? -v : v;
        }
        return t;
    }

    /// <summary>
    /// Reads <paramref name="name"/> as float32 with the given shape, dequantising fp8 and applying a per-tensor scale.
    /// </summary>
    /// <exception cref="ModelFileException">Missing tensor, wrong shape, non-float dtype, or a scale that is not a single value.</exception>
    public static float[] Read(ITensorSource src, string name, params long[] shape)
    {
        var t = src.Get(name);
        if (!shape.AsSpan().SequenceEqual(t.Shape))
            throw new ModelFileException(src.SourcePath, name, $"shape {t.ShapeText} but [{string.Join(", ", shape)}] was expected");
        if (!t.DType.IsFloat())
            throw new ModelFileException(src.SourcePath, name, $"dtype {t.DType} is not a floating-point type");

        float[] w;
        if (t.DType is DType.F8_E4M3 or DType.F8_E5M2)
        {
            var raw = src.ReadBytes(t);
            w = new float[raw.Length];
            if (t.DType == DType.F8_E4M3)
                for (int i = 0; i < raw.Length; i++) w[i] = E4M3Table[raw[i]];
            else
                for (int i = 0; i < raw.Length; i++) w[i] = (float)BitConverter.UInt16BitsToHalf((ushort)(raw[i] << 8));
        }
        else w = src.ReadFloat32(name);

        if (name.EndsWith(".weight", StringComparison.Ordinal))
        {
            var stem = name[..^".weight".Length];
            foreach (var scaleName in new[] { stem + ".scale_weight", stem + ".weight_scale" })
            {
                if (!src.TryGet(scaleName, out var s)) continue;
                if (s.ElementCount != 1)
                    throw new ModelFileException(src.SourcePath, scaleName,
                        $"shape {s.ShapeText}: only a per-tensor (single-value) weight scale is supported for T5 weights");
                float scale = src.ReadFloat32(scaleName)[0];
                if (!float.IsFinite(scale))
                    throw new ModelFileException(src.SourcePath, scaleName, $"weight scale {scale} is not finite");
                System.Numerics.Tensors.TensorPrimitives.Multiply(w, scale, w);
                break;
            }
        }
        return w;
    }
}
