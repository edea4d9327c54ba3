// cuda_emu_runtime.cpp — scheduler of the host CUDA emulator (see cuda_emu.h). Exports:
//   int emu_launch(const char* kernel, unsigned gx, gy, gz, bx, by, bz, void** args)
// which looks the kernel up in emu_kernels (generated: name → thunk that unpacks cuLaunchKernel-style args) and runs
// the grid block by block, each block's threads as ucontext coroutines switched at barriers. Returns 0, or −1 for an
// unknown kernel, −2 for a bad block size.
#include "cuda_emu.h"
#include <ucontext.h>
#include <stdlib.h>
#include <vector>

struct EmuKernel {
    const char* name;
    void (*thunk)(void**);
};
extern "C" const EmuKernel emu_kernels[];

namespace nwemu {

uint3 block_idx;
dim3 block_dim, grid_dim;

namespace {

constexpr size_t kStackBytes = 256 * 1024;

struct Thread {
    ucontext_t ctx;
    uint3 tid;
    bool done;
    long block_arrivals;
    long warp_arrivals;
    float shfl_value;
    char* stack;
};

std::vector<Thread> g_threads;
int g_current = 0;
ucontext_t g_scheduler;
void (*g_thunk)(void**) = nullptr;
void** g_args = nullptr;

void yield() { swapcontext(&g_threads[g_current].ctx, &g_scheduler); }

void entry() {
    g_thunk(g_args);
    g_threads[g_current].done = true;
    swapcontext(&g_threads[g_current].ctx, &g_scheduler);
}

}  // namespace

uint3& thread_idx() { return g_threads[g_current].tid; }

void block_barrier() {
    const long gen = ++g_threads[g_current].block_arrivals;
    for (;;) {
        bool all = true;
        for (auto& t : g_threads)
            if (!t.done && t.block_arrivals < gen) { all = false; break; }
        if (all) return;
        yield();
    }
}

void warp_barrier() {
    const int me = g_current, base = me & ~31;
    const int end = base + 32 < static_cast<int>(g_threads.size()) ? base + 32 : static_cast<int>(g_threads.size());
    const long gen = ++g_threads[me].warp_arrivals;
    for (;;) {
        bool all = true;
        for (int i = base; i < end; i++)
            if (!g_threads[i].done && g_threads[i].warp_arrivals < gen) { all = false; break; }
        if (all) return;
        yield();
    }
}

float shfl_xor(float v, int lane_mask) {
    const int me = g_current, lane = me & 31;
    g_threads[me].shfl_value = v;
    warp_barrier();
    const float r = g_threads[(me - lane) + ((lane ^ lane_mask) & 31)].shfl_value;
    warp_barrier();
    return r;
}

float shfl_idx(float v, int src_lane) {
    const int me = g_current, lane = me & 31;
    g_threads[me].shfl_value = v;
    warp_barrier();
    const float r = g_threads[(me - lane) + (src_lane & 31)].shfl_value;
    warp_barrier();
    return r;
}

}  // namespace nwemu

extern "C" int emu_launch(const char* kernel, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                          unsigned bz, void** args) {
    using namespace nwemu;
    const EmuKernel* k = emu_kernels;
    while (k->name && strcmp(k->name, kernel) != 0) k++;
    if (!k->name) return -1;
    const unsigned n = bx * by * bz;
    if (n == 0 || n > 1024) return -2;
    g_thunk = k->thunk;
    g_args = args;
    block_dim = dim3{bx, by, bz};
    grid_dim = dim3{gx, gy, gz};
    if (g_threads.size() != n) {
        for (auto& t : g_threads) free(t.stack);
        g_threads.assign(n, Thread{});
        for (auto& t : g_threads) t.stack = static_cast<char*>(malloc(kStackBytes));
    }
    for (unsigned z = 0; z < gz; z++)
        for (unsigned y = 0; y < gy; y++)
            for (unsigned x = 0; x < gx; x++) {
                block_idx = uint3{x, y, z};
                for (unsigned i = 0; i < n; i++) {
                    Thread& t = g_threads[i];
                    t.tid = uint3{i % bx, i / bx % by, i / (bx * by)};
                    t.done = false;
                    t.block_arrivals = t.warp_arrivals = 0;
                    getcontext(&t.ctx);
                    t.ctx.uc_stack.ss_sp = t.stack;
                    t.ctx.uc_stack.ss_size = kStackBytes;
                    t.ctx.uc_link = nullptr;
                    makecontext(&t.ctx, entry, 0);
                }
                for (bool any = true; any;) {
                    any = false;
                    for (unsigned i = 0; i < n; i++) {
                        if (g_threads[i].done) continue;
                        g_current = static_cast<int>(i);
                        swapcontext(&g_scheduler, &g_threads[i].ctx);
                        any = true;
                    }
                }
            }
    return 0;
}
