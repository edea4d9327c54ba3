namespace NativeWan.Sampling;

/// <summary>Classifier-free guidance combine (spec §4.3): <c>v = v_uncond + g·(v_cond − v_uncond)</c>, float32.</summary>
public static class ClassifierFreeGuidance
{
    /// <summary>Writes the guided velocity into <paramref name="destination"/> (may alias either input).</summary>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    public static void Combine(ReadOnlySpan<float> cond, ReadOnlySpan<float> uncond, float scale, Span<float> destination)
    {
        if (uncond.Length != cond.Length) throw new ArgumentException($"uncond has {uncond.Length} elements, cond {cond.Length}", nameof(uncond));
        if (destination.Length != cond.Length) throw new ArgumentException($"destination has {destination.Length} elements, cond {cond.Length}", nameof(destination));
        for (int i = 0; i < cond.Length; i++) destination[i] = uncond[i] + scale * (cond[i] - uncond[i]);
    }

    /// <summary>The guided velocity as a new array.</summary>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    public static float[] Combine(float[] cond, float[] uncond, float scale)
    {
        ArgumentNullException.ThrowIfNull(cond);
        ArgumentNullException.ThrowIfNull(uncond);
        var r = new float[cond.Length];
        Combine(cond, uncond, scale, r);
        return r;
    }
}
