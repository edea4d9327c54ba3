using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using NativeWan.IO;
using NativeWan.IO.SafeTensors;

namespace NativeWan.Training;

/// <summary>
/// Resumable training state in one safetensors file (written atomically): for each distinct LoRA (one per expert, or
/// one shared) its float32 parameters <c>e{i}.p{k}</c> and AdamW moments <c>e{i}.m{k}</c> / <c>e{i}.v{k}</c> in
/// <see cref="TrainExpert.Parameters"/> order, and in <c>__metadata__</c> the loop state (step, epoch, cursor, PRNG
/// words), each optimizer's step count and the module paths (checked on load).
/// </summary>
public static class TrainCheckpoint
{
    const string Format = "nativewan-train-state/1";

    /// <summary>Writes the trainer's full state to <paramref name="path"/>.</summary>
    public static void Save(LoraTrainer trainer, string path, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var w = new SafeTensorsWriter();
        var experts = Distinct(trainer);
        var meta = new Dictionary<string, object>
        {
            ["format"] = Format,
            ["step"] = trainer.State.Step,
            ["epoch"] = trainer.State.Epoch,
            ["cursor"] = trainer.State.Cursor,
            ["rng"] = trainer.State.Rng.Select(x => x.ToString("x16")).ToArray(),
            ["experts"] = experts.Select(e => new { role = e.Role.ToString(), optimizer_step = e.Optimizer.Step, modules = e.Lora.Modules.Select(m => m.ModulePath).ToArray() }).ToArray(),
        };
        for (int i = 0; i < experts.Count; i++)
        {
            var e = experts[i];
            for (int k = 0; k < e.Parameters.Count; k++)
            {
                w.AddF32($"e{i}.p{k}", e.Parameters[k], e.Parameters[k].Length);
                w.AddF32($"e{i}.m{k}", e.Optimizer.M[k], e.Optimizer.M[k].Length);
                w.AddF32($"e{i}.v{k}", e.Optimizer.V[k], e.Optimizer.V[k].Length);
            }
        }
        w.Metadata["nativewan_state"] = JsonSerializer.Serialize(meta);
        if (extraMetadata != null) foreach (var (k, v) in extraMetadata) w.Metadata[k] = v;
        w.Save(path);
    }

    /// <summary>
    /// Restores parameters, optimizer moments and loop state saved by <see cref="Save"/> into a trainer built with the
    /// same models, LoRA layout and options.
    /// </summary>
    /// <exception cref="ModelFileException">Not a state file, or it does not match the trainer (experts, modules, sizes).</exception>
    public static void Load(LoraTrainer trainer, string path)
    {
        using var f = SafeTensorsFile.Open(path);
        if (!f.Metadata.TryGetValue("nativewan_state", out var json))
            throw new ModelFileException(path, null, "not a NativeWan training state (no 'nativewan_state' metadata)");
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        if (root.GetProperty("format").GetString() != Format)
            throw new ModelFileException(path, null, $"unsupported state format '{root.GetProperty("format").GetString()}'");
        var experts = Distinct(trainer);
        var saved = root.GetProperty("experts").EnumerateArray().ToList();
        if (saved.Count != experts.Count)
            throw new ModelFileException(path, null, $"state has {saved.Count} LoRA networks, this run has {experts.Count}");
        for (int i = 0; i < experts.Count; i++)
        {
            var e = experts[i];
            var modules = saved[i].GetProperty("modules").EnumerateArray().Select(x => x.GetString()).ToList();
            if (!modules.SequenceEqual(e.Lora.Modules.Select(m => m.ModulePath)))
                throw new ModelFileException(path, null, $"LoRA {i} ({saved[i].GetProperty("role").GetString()}) targets other modules than this run");
            for (int k = 0; k < e.Parameters.Count; k++)
            {
                Read(f, $"e{i}.p{k}", e.Parameters[k]);
                Read(f, $"e{i}.m{k}", e.Optimizer.M[k]);
                Read(f, $"e{i}.v{k}", e.Optimizer.V[k]);
            }
            e.Optimizer.Step = saved[i].GetProperty("optimizer_step").GetInt64();
        }
        var rng = root.GetProperty("rng").EnumerateArray().Select(x => ulong.Parse(x.GetString()!, NumberStyles.HexNumber)).ToArray();
        trainer.Restore(new TrainerState(root.GetProperty("step").GetInt32(), root.GetProperty("epoch").GetInt32(), root.GetProperty("cursor").GetInt32(), rng));
    }

    static void Read(SafeTensorsFile f, string name, float[] dst)
    {
        var t = f.Get(name);
        if (t.DType != Numerics.DType.F32 || t.ElementCount != dst.Length)
            throw new ModelFileException(f.SourcePath, name, $"{t.DType} {t.ShapeText} does not fit {dst.Length} float32 values");
        f.ReadBytes(t, MemoryMarshal.AsBytes(dst.AsSpan()));
    }

    /// <summary>The experts with distinct LoRA networks (a shared LoRA counts once), in trainer order.</summary>
    static List<TrainExpert> Distinct(LoraTrainer t)
    {
        var list = new List<TrainExpert>();
        foreach (var e in t.Experts) if (!list.Any(x => ReferenceEquals(x.Lora, e.Lora))) list.Add(e);
        return list;
    }
}
