namespace NativeWan.Ops.Cuda;

/// <summary>A kernel entry point: its file in the kernels folder and its extern "C" name.</summary>
/// <param name="File">"rmsnorm.cu".</param>
/// <param name="Name">"nw_rmsnorm_fwd_bf16".</param>
public readonly record struct KernelEntry(string File, string Name)
{
    /// <inheritdoc/>
    public override string ToString() => $"{File}:{Name}";
}

/// <summary>
/// One operator family of the Wan DiT with its CPU reference and its CUDA kernels.
/// </summary>
/// <param name="Name">Family name used by <c>nativewan verify-kernels --op</c> ("layernorm").</param>
/// <param name="CpuTwins">The CPU reference methods, as "Type.Method" ("CpuOps.LayerNormForward").</param>
/// <param name="Kernels">Every kernel entry point of the family.</param>
/// <param name="Summary">One line: what it computes.</param>
public sealed record CudaOpFamily(string Name, IReadOnlyList<string> CpuTwins, IReadOnlyList<KernelEntry> Kernels, string Summary);

/// <summary>
/// The list of operator families with CUDA twins (the op-level analogue of ggml's test-backend-ops case list). Tests
/// check it against <see cref="Cpu.CpuOps"/> (every public Forward/Backward method is some family's twin) and against
/// kernels/*.cu (every listed kernel exists, every op kernel is listed), and <see cref="KernelVerifier"/> has a case for
/// every family.
/// </summary>
public static class CudaOpRegistry
{
    static KernelEntry[] K(string file, params string[] names) => names.Select(n => new KernelEntry(file, n)).ToArray();

    static readonly string[] Dims = { "32", "40", "64", "128" };

    /// <summary>All families, in block order.</summary>
    public static IReadOnlyList<CudaOpFamily> Families { get; } = new CudaOpFamily[]
    {
        new("patchify", new[] { "CpuOps.PatchifyForward", "CpuOps.PatchifyBackward" },
            K(KernelPlans.PatchifyFile, "nw_patchify_f32_bf16", "nw_patchify_f32_f32", "nw_unpatchify_bf16_f32"),
            "latent [C,F,H,W] → patch tokens (c, pt, ph, pw) or (pt, ph, pw, c); backward = unpatchify"),
        new("unpatchify", new[] { "CpuOps.UnpatchifyForward", "CpuOps.UnpatchifyBackward" },
            K(KernelPlans.PatchifyFile, "nw_unpatchify_f32_f32", "nw_unpatchify_bf16_f32", "nw_patchify_f32_f32", "nw_patchify_f32_bf16"),
            "head tokens → latent; backward = patchify"),
        new("time_embedding", new[] { "CpuOps.SinusoidalEmbeddingForward" },
            K(KernelPlans.TimeEmbeddingFile, "nw_sinusoidal_embedding_f32"),
            "sinusoidal timestep embedding, cos first, float64 math"),
        new("silu", new[] { "CpuOps.SiluForward", "CpuOps.SiluBackward" },
            K(KernelPlans.ActivationFile, "nw_silu_fwd_bf16", "nw_silu_fwd_f32", "nw_silu_bwd_bf16", "nw_silu_bwd_f32"),
            "z·σ(z) and its derivative"),
        new("gelu_tanh", new[] { "CpuOps.GeluTanhForward", "CpuOps.GeluTanhBackward" },
            K(KernelPlans.ActivationFile, "nw_gelu_tanh_fwd_bf16", "nw_gelu_tanh_fwd_f32", "nw_gelu_tanh_bwd_bf16", "nw_gelu_tanh_bwd_f32"),
            "GELU (tanh approximation) and its derivative"),
        new("layernorm", new[] { "CpuOps.LayerNormForward", "CpuOps.LayerNormBackward" },
            K(KernelPlans.LayerNormFile, "nw_layernorm_fwd_bf16", "nw_layernorm_fwd_f32", "nw_layernorm_bwd_bf16", "nw_layernorm_bwd_f32",
                "nw_layernorm_param_grad_bf16", "nw_layernorm_param_grad_f32"),
            "LayerNorm without/with affine fused with the adaLN shift/scale; input and affine gradients"),
        new("modulate", new[] { "CpuOps.ModulateForward", "CpuOps.ModulateBackward" },
            K(KernelPlans.LayerNormFile, "nw_modulate_fwd_bf16", "nw_modulate_bwd_bf16"),
            "x·(1 + scale) + shift (standalone; the blocks use the fused LayerNorm)"),
        new("gated_residual", new[] { "CpuOps.GatedResidualForward", "CpuOps.GatedResidualBackward" },
            K(KernelPlans.LayerNormFile, "nw_gated_residual_fwd_bf16", "nw_gated_residual_fwd_f32", "nw_gated_residual_bwd_bf16", "nw_gated_residual_bwd_f32"),
            "x += y·gate on a bf16 or fp32 residual stream; dy = dx·gate"),
        new("rmsnorm", new[] { "CpuOps.RmsNormForward", "CpuOps.RmsNormBackward" },
            K(KernelPlans.RmsNormFile, "nw_rmsnorm_fwd_bf16", "nw_rmsnorm_bwd_bf16", "nw_rmsnorm_param_grad_bf16"),
            "full-width q/k RMSNorm; input and weight gradients"),
        new("rope3d", new[] { "CpuOps.Rope3dForward", "CpuOps.Rope3dBackward" },
            K(KernelPlans.RopeFile, "nw_rope3d_fwd_bf16", "nw_rope3d_bwd_bf16"),
            "3-D RoPE on adjacent pairs, frame/height/width split from head_dim; backward rotates by −θ"),
        new("attention", new[] { "CpuOps.AttentionForward", "CpuOps.AttentionBackward" },
            K(KernelPlans.AttentionForwardFile, Dims.Select(d => $"nw_attention_fwd_d{d}_bf16").ToArray())
                .Concat(K(KernelPlans.AttentionBackwardFile, "nw_attention_bwd_preprocess_bf16"))
                .Concat(K(KernelPlans.AttentionBackwardFile, Dims.Select(d => $"nw_attention_bwd_dq_d{d}_bf16").ToArray()))
                .Concat(K(KernelPlans.AttentionBackwardFile, Dims.Select(d => $"nw_attention_bwd_dkdv_d{d}_bf16").ToArray())).ToArray(),
            "flash attention (online softmax, key padding length, head_dim 32/40/64/128); backward recomputes P"),
        new("gemm", new[] { "Gemm.MatMulTransB", "Gemm.MatMul", "Gemm.MatMulTransA" },
            K(KernelPlans.GemmFile, "nw_gemm_nt_bf16_bf16", "nw_gemm_nt_bf16_f32", "nw_gemm_nn_bf16_bf16", "nw_gemm_nn_bf16_f32",
                "nw_gemm_tn_bf16_bf16", "nw_gemm_tn_bf16_f32"),
            "base Linear products on the tiled fallback GEMM (SimpleGemm): y = x·Wᵀ + b, dx = dy·W, dW = dyᵀ·x; bf16 in, fp32 accumulation"),
        new("linear_lora", new[] { "CpuOps.LinearForward", "CpuOps.LinearBackward" },
            K(KernelPlans.LoraFile, "nw_lora_down_bf16", "nw_lora_up_bf16", "nw_lora_up_f32", "nw_lora_dmid_bf16", "nw_lora_grad_down_bf16",
                "nw_lora_grad_up_bf16", "nw_lora_grad_input_bf16", "nw_lora_grad_input_f32"),
            "LoRA down/up added onto the base product (IGemm); dA, dB (+=) and the adapter's input gradient"),
        new("flow_matching_loss", new[] { "WanDit.TrainStep (loss block)", "FlowMatchingReference.Noise", "FlowMatchingReference.Loss" },
            K(KernelPlans.LossFile, "nw_flow_noise_f32", "nw_flow_mse_partial_f32", "nw_flow_mse_finalize"),
            "x_t = (1−σ)x0 + σε; loss = mean((pred − (ε − x0))²); dpred = 2(pred − target)/N"),
        new("adamw", new[] { "AdamW.Update" },
            K(KernelPlans.AdamWFile, "nw_adamw_f32"),
            "AdamW on fp32 master weights and moments, bit-identical to the CPU optimizer"),
    };

    /// <summary>The family called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static CudaOpFamily? Find(string name) => Families.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Every distinct kernel entry point of all families.</summary>
    public static IReadOnlyList<KernelEntry> AllKernels() => Families.SelectMany(f => f.Kernels).Distinct().ToArray();
}
