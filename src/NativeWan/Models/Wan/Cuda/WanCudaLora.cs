using NativeWan.Lora;
using NativeWan.Numerics;
using NativeWan.Ops.Cuda;

namespace NativeWan.Models.Wan.Cuda;

/// <summary>
/// One LoRA module on the device: A = lora_down bf16 [Rank, In] and B = lora_up bf16 [Out, Rank] (compute copies of the
/// host float32 masters, refreshed every step), their fp32 gradients, and the effective scale multiplier·alpha/rank.
/// </summary>
internal sealed class CudaLoraSlot
{
    public required LoraModule Module;
    public required GpuTensor Down, Up, DDown, DUp;
    public float Scale;
    public int Rank => Module.Rank;
}

/// <summary>
/// The adapters of a <see cref="LoraNetwork"/> laid out for the DiT's Linear targets (per block: self_attn q, k, v, o;
/// cross_attn q, k, v, o; ffn.0; ffn.2 — <see cref="WanDit.LoraTargets"/> order), in one <see cref="DeviceArena"/>.
/// A target without a module has a null slot (plain Linear). Modules on paths that are not DiT Linears are ignored,
/// as by the CPU reference. Built once per network layout and reused while the same modules with the same shapes come in.
/// </summary>
internal sealed class WanCudaLora : IDisposable
{
    /// <summary>Slots indexed [layer·10 + target].</summary>
    public readonly CudaLoraSlot?[] Slots;
    readonly LoraModule?[] _modules;
    readonly DeviceArena _arena;
    readonly BFloat16[] _staging;

    public const int TargetsPerBlock = 10;

    WanCudaLora(CudaLoraSlot?[] slots, LoraModule?[] modules, DeviceArena arena, long stagingElements)
    {
        Slots = slots; _modules = modules; _arena = arena;
        _staging = new BFloat16[stagingElements];
    }

    /// <summary>The module for each target path, checked against the Linear's shape.</summary>
    /// <exception cref="ArgumentException">A module whose [Out×In] differs from its Linear's.</exception>
    public static LoraModule?[] Match(LoraNetwork lora, IReadOnlyList<CudaLinear> targets)
    {
        var r = new LoraModule?[targets.Count];
        for (int i = 0; i < r.Length; i++)
        {
            var w = targets[i];
            var m = lora.Find(w.Path);
            if (m != null && (m.In != w.In || m.Out != w.Out))
                throw new ArgumentException($"LoRA module '{w.Path}' is [{m.Out}×{m.In}] but the Linear is [{w.Out}×{w.In}]", nameof(lora));
            r[i] = m;
        }
        return r;
    }

    /// <summary>True when this layout serves exactly <paramref name="modules"/> (same instances, unchanged shapes).</summary>
    public bool Fits(LoraModule?[] modules)
    {
        if (modules.Length != _modules.Length) return false;
        for (int i = 0; i < modules.Length; i++)
        {
            if (!ReferenceEquals(modules[i], _modules[i])) return false;
            var s = Slots[i];
            if (s != null && (s.Down.Length != modules[i]!.Down.Length || s.Up.Length != modules[i]!.Up.Length)) return false;
        }
        return true;
    }

    /// <summary>Lays out (and allocates) device tensors for <paramref name="modules"/>.</summary>
    public static WanCudaLora Create(LoraModule?[] modules, IKernelBackend backend, bool perTensor)
    {
        var measure = DeviceArena.Measure();
        Layout(measure, modules);
        var arena = perTensor ? DeviceArena.PerTensor(backend) : DeviceArena.Block(backend, measure.Bytes, "LoRA weights and gradients");
        try
        {
            long staging = 0;
            foreach (var m in modules) if (m != null) staging += m.Down.Length + m.Up.Length;
            return new WanCudaLora(Layout(arena, modules), modules, arena, staging);
        }
        catch { arena.Dispose(); throw; }
    }

    static CudaLoraSlot?[] Layout(DeviceArena a, LoraModule?[] modules)
    {
        var slots = new CudaLoraSlot?[modules.Length];
        for (int i = 0; i < modules.Length; i++)
        {
            var m = modules[i];
            if (m == null) continue;
            slots[i] = new CudaLoraSlot
            {
                Module = m,
                Down = a.Take(m.Down.Length, DType.BF16, m.ModulePath + " lora_down"),   // bf16 [rank, in]
                Up = a.Take(m.Up.Length, DType.BF16, m.ModulePath + " lora_up"),         // bf16 [out, rank]
                DDown = a.Take(m.Down.Length, DType.F32, m.ModulePath + " d lora_down"), // fp32 [rank, in]
                DUp = a.Take(m.Up.Length, DType.F32, m.ModulePath + " d lora_up"),       // fp32 [out, rank]
            };
        }
        return slots;
    }

    /// <summary>
    /// Uploads bf16 copies of every module's A and B (from disjoint regions of one host staging array, so no region is
    /// reused while a copy may still read it), sets the scales and zeroes the gradients (enqueued).
    /// </summary>
    public void Upload(IKernelBackend backend, float multiplier)
    {
        long at = 0;
        Span<BFloat16> Stage(float[] src)
        {
            var dst = _staging.AsSpan((int)at, src.Length);
            NumericConvert.SingleToBFloat16(src, dst);
            at += src.Length;
            return dst;
        }
        foreach (var s in Slots)
        {
            if (s == null) continue;
            backend.Upload<BFloat16>(s.Down, Stage(s.Module.Down));
            backend.Upload<BFloat16>(s.Up, Stage(s.Module.Up));
            s.Scale = s.Module.Scale * multiplier;
            backend.Fill(s.DDown, 0);
            backend.Fill(s.DUp, 0);
        }
    }

    /// <summary>Copies the device gradients into <paramref name="grads"/> (overwriting, or adding when <paramref name="accumulate"/>).</summary>
    /// <exception cref="ArgumentException">A module of the network has no buffer in <paramref name="grads"/>.</exception>
    public void Download(IKernelBackend backend, LoraGradients grads, bool accumulate)
    {
        float[]? tmp = null;
        foreach (var s in Slots)
        {
            if (s == null) continue;
            var g = grads.Find(s.Module.ModulePath) ?? throw new ArgumentException($"no gradient buffer for LoRA module '{s.Module.ModulePath}'", nameof(grads));
            foreach (var (host, dev) in new[] { (g.DDown, s.DDown), (g.DUp, s.DUp) })
            {
                if (!accumulate) { backend.Download<float>(host, dev); continue; }
                if (tmp == null || tmp.Length < host.Length) tmp = new float[host.Length];
                var t = tmp.AsSpan(0, host.Length);
                backend.Download<float>(t, dev);
                for (int j = 0; j < host.Length; j++) host[j] += t[j];
            }
        }
    }

    public void Dispose() => _arena.Dispose();
}
