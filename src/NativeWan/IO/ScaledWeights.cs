using NativeWan.Numerics;

namespace NativeWan.IO;

/// <summary>
/// Reads model weights as float32 whatever their storage: any dtype <see cref="TensorSourceExtensions.ReadFloat32"/>
/// decodes (F32/F16/BF16/F64/fp8), with a per-tensor scale stored beside an fp8 weight
/// (<c>&lt;layer&gt;.scale_weight</c>, ComfyUI legacy "scaled fp8", or <c>&lt;layer&gt;.weight_scale</c>, its newer
/// spelling) multiplied in: <c>W = float(W_stored) · scale</c> (spec wan-architecture.md §8.1).
/// </summary>
public static class ScaledWeights
{
    /// <summary>
    /// Reads <paramref name="name"/> as float32 with the given shape, dequantising fp8 and applying a per-tensor scale.
    /// </summary>
    /// <exception cref="ModelFileException">Missing tensor, wrong shape, non-float dtype, or a scale that is not a single value.</exception>
    public static float[] ReadWeight(this ITensorSource src, string name, params long[] shape)
    {
        var t = src.Get(name);
        if (!shape.AsSpan().SequenceEqual(t.Shape))
            throw new ModelFileException(src.SourcePath, name, $"shape {t.ShapeText} but [{string.Join(", ", shape)}] was expected");
        if (!t.DType.IsFloat())
            throw new ModelFileException(src.SourcePath, name, $"dtype {t.DType} is not a floating-point type");
        float[] w = src.ReadFloat32(name);
        if (name.EndsWith(".weight", StringComparison.Ordinal))
        {
            var stem = name[..^".weight".Length];
            foreach (var scaleName in new[] { stem + ".scale_weight", stem + ".weight_scale" })
            {
                if (!src.TryGet(scaleName, out var s)) continue;
                if (s.ElementCount != 1)
                    throw new ModelFileException(src.SourcePath, scaleName,
                        $"shape {s.ShapeText}: only a per-tensor (single-value) weight scale is supported here");
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
