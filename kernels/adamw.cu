// kernels/adamw.cu — AdamW over flat fp32 master weights with fp32 moments (Loshchilov & Hutter, arXiv 1711.05101,
// as torch.optim.AdamW). CPU twin: NativeWan.Optim.AdamW.Update (src/NativeWan/Optim/AdamW.cs); gradient clipping
// (GradientClipping.ClipByGlobalNorm) folds in as grad_scale.
//
// Dimension letters: N = parameter elements (all LoRA tensors laid out in one flat buffer, or one tensor per launch).
// Per element, in exactly the CPU's order, each operation rounded to fp32 on its own (__fmul_rn/__fadd_rn/__fsub_rn/
// __fdiv_rn/__fsqrt_rn: no FMA contraction, IEEE division and square root), so results are bit-identical to the CPU:
//   g  = grad·grad_scale            (grad_scale = 1 leaves g unchanged, as the CPU's clip when coef ≥ 1)
//   p  = p·decay                    decay     = (float)(1 − lr·wd)
//   m  = β1·m + (1 − β1)·g          omb1      = 1f − β1 (fp32)
//   v  = β2·v + ((1 − β2)·g)·g      omb2      = 1f − β2 (fp32)
//   p  = p − (step_size·m) / (√v / bc2_sqrt + ε)
//                                   step_size = (float)lr / (float)(1 − β1^t), bc2_sqrt = √(float)(1 − β2^t)
// The host computes the scalars as AdamW.Update does (src/NativeWan/Ops/Cuda/AdamWScalars.cs).
//
// Kernels (all extern "C"):
//   nw_adamw_f32   updates p, m, v in place; when p_bf16 is not null also writes bf16(p) there (the compute copy
//                  used by the LoRA kernels)                                                               (v1)
//
// Launch shape: 1-D grid-stride; block = (256), grid = (min(ceil(N/256), 65536)).
// Accumulation: p, m, v updated in place; p_bf16 overwritten.
#include "common.cuh"

extern "C" __global__ void nw_adamw_f32(float* __restrict__ p, float* __restrict__ m, float* __restrict__ v,
                                        const float* __restrict__ grad, nw::bf16* __restrict__ p_bf16, long long n,
                                        float beta1, float omb1, float beta2, float omb2, float eps, float decay,
                                        float step_size, float bc2_sqrt, float grad_scale) {
    for (long long i = nw::global_thread_index(); i < n; i += nw::grid_stride()) {
        const float g = __fmul_rn(grad[i], grad_scale);
        float pi = __fmul_rn(p[i], decay);
        const float mi = __fadd_rn(__fmul_rn(beta1, m[i]), __fmul_rn(omb1, g));
        const float vi = __fadd_rn(__fmul_rn(beta2, v[i]), __fmul_rn(__fmul_rn(omb2, g), g));
        const float denom = __fadd_rn(__fdiv_rn(__fsqrt_rn(vi), bc2_sqrt), eps);
        pi = __fsub_rn(pi, __fdiv_rn(__fmul_rn(step_size, mi), denom));
        p[i] = pi;
        m[i] = mi;
        v[i] = vi;
        if (p_bf16) p_bf16[i] = nw::float_to_bf16(pi);
    }
}
