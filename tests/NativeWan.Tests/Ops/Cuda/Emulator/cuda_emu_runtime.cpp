// cuda_emu_runtime.cpp — scheduler of the host CUDA emulator (see cuda_emu.h). Exports:
//   int emu_launch(const char* kernel, unsigned gx, gy, gz, bx, by, bz, void** args)
// which looks the kernel up in emu_kernels (generated: name → thunk that unpacks cuLaunchKernel-style args) and runs
// the grid block by block, each block's threads as coroutines switched at barriers. Returns 0, or −1 for an unknown
// kernel, −2 for a bad block size.
//
// Coroutines are created once (ucontext: makecontext, first entry through swapcontext) and then live for the whole
// process: each one loops "run the thunk for the current block, mark done, yield", so starting a block costs no
// context creation. Every later switch is _setjmp/_longjmp, which — unlike swapcontext — saves no signal mask and so
// makes no system call (the emulator spends its time in switches: one per thread per barrier). Jumping between the
// coroutine stacks this way is the classic ucontext+setjmp coroutine technique; _FORTIFY_SOURCE is turned off below
// because its __longjmp_chk rejects jumps to another stack.
#undef _FORTIFY_SOURCE
#define _FORTIFY_SOURCE 0
#include "cuda_emu.h"
#include <setjmp.h>
#include <stdlib.h>
#include <ucontext.h>
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
    ucontext_t ctx;      // first entry only
    jmp_buf resume;      // where the coroutine continues
    bool started;
    uint3 tid;
    bool done;
    long block_arrivals;
    long warp_arrivals;
    float shfl_value;
    char* stack;
};

std::vector<Thread*> g_pool;   // coroutines ever created; the first g_count run the current block
int g_count = 0;
int g_current = 0;
jmp_buf g_scheduler;
ucontext_t g_scheduler_ctx;
void (*g_thunk)(void**) = nullptr;
void** g_args = nullptr;

Thread& me() { return *g_pool[g_current]; }

// Back to the scheduler; returns when the scheduler resumes this coroutine.
void yield() {
    if (!_setjmp(me().resume)) _longjmp(g_scheduler, 1);
}

void entry() {
    for (;;) {
        g_thunk(g_args);
        me().done = true;
        yield();   // resumed at the start of a later block: run the (possibly new) thunk again
    }
}

// Runs coroutine i until it yields or finishes its block.
void resume(int i) {
    g_current = i;
    Thread& t = *g_pool[i];
    if (_setjmp(g_scheduler)) return;
    if (!t.started) {
        t.started = true;
        swapcontext(&g_scheduler_ctx, &t.ctx);   // never returns: the coroutine comes back through g_scheduler
    }
    _longjmp(t.resume, 1);
}

void ensure_pool(int n) {
    while (static_cast<int>(g_pool.size()) < n) {
        Thread* t = new Thread{};
        t->stack = static_cast<char*>(malloc(kStackBytes));
        getcontext(&t->ctx);
        t->ctx.uc_stack.ss_sp = t->stack;
        t->ctx.uc_stack.ss_size = kStackBytes;
        t->ctx.uc_link = nullptr;
        makecontext(&t->ctx, entry, 0);
        g_pool.push_back(t);
    }
}

}  // namespace

uint3& thread_idx() { return me().tid; }

void block_barrier() {
    const long gen = ++me().block_arrivals;
    for (;;) {
        bool all = true;
        for (int i = 0; i < g_count; i++) {
            const Thread& t = *g_pool[i];
            if (!t.done && t.block_arrivals < gen) { all = false; break; }
        }
        if (all) return;
        yield();
    }
}

void warp_barrier() {
    const int self = g_current, base = self & ~31;
    const int end = base + 32 < g_count ? base + 32 : g_count;
    const long gen = ++me().warp_arrivals;
    for (;;) {
        bool all = true;
        for (int i = base; i < end; i++) {
            const Thread& t = *g_pool[i];
            if (!t.done && t.warp_arrivals < gen) { all = false; break; }
        }
        if (all) return;
        yield();
    }
}

float shfl_xor(float v, int lane_mask) {
    const int self = g_current, lane = self & 31;
    me().shfl_value = v;
    warp_barrier();
    const float r = g_pool[(self - lane) + ((lane ^ lane_mask) & 31)]->shfl_value;
    warp_barrier();
    return r;
}

float shfl_idx(float v, int src_lane) {
    const int self = g_current, lane = self & 31;
    me().shfl_value = v;
    warp_barrier();
    const float r = g_pool[(self - lane) + (src_lane & 31)]->shfl_value;
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
    ensure_pool(static_cast<int>(n));
    g_count = static_cast<int>(n);
    for (unsigned z = 0; z < gz; z++)
        for (unsigned y = 0; y < gy; y++)
            for (unsigned x = 0; x < gx; x++) {
                block_idx = uint3{x, y, z};
                for (unsigned i = 0; i < n; i++) {
                    Thread& t = *g_pool[i];
                    t.tid = uint3{i % bx, i / bx % by, i / (bx * by)};
                    t.done = false;
                    t.block_arrivals = t.warp_arrivals = 0;
                }
                for (bool any = true; any;) {
                    any = false;
                    for (unsigned i = 0; i < n; i++) {
                        if (g_pool[i]->done) continue;
                        resume(static_cast<int>(i));
                        any = true;
                    }
                }
            }
    return 0;
}
