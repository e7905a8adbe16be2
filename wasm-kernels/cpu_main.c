// The entry points: `run` executes a program (a recorded list of ops, built by
// py/webgpu_llm/gpu/wasm_cpu.py) in one call; a captured decode step is one program.
// Program words: [op, n_args, args...] repeated. Threads meet only at BARRIER commands, which the
// recorder puts where an op touches memory an earlier op (since the last barrier) wrote, or
// writes memory it read (wasm_ops.py), and at the end of the program. A barrier also forgets the
// quantized activations products may share (cpu_linear.c).
// Built twice (tools/wasm_build.py): single-threaded, and with THREADS (shared memory): there
// `run` hands the program to the waiting workers (`worker`, one per Web Worker) and takes part
// as thread 0; threads meet at barriers made of wasm atomics (spin, then memory.atomic.wait32).
#include "cpu.h"

typedef void (*OpFn)(const Team *, const uint32_t *);

static const struct {
    OpFn fn;
    uint32_t arity;
} OPS[] = {
    {0, 0},
    {op_embed, 9}, {op_linear, 15}, {op_repack, 5}, {op_rmsnorm, 6}, {op_rope, 7}, {op_swiglu, 4},
    {op_add, 3}, {op_copy, 3}, {op_gather_logits, 4}, {op_topk, 6}, {op_attention, 8},
    {0, 0},  // OP_BARRIER
    {op_bias, 5},
};
#define OP_BARRIER 12
#define N_OPS (sizeof(OPS) / sizeof(OPS[0]))

// 0 if every command names a known op with its number of arguments, else 1 + the bad word index.
static uint32_t check(const uint32_t *prog, uint32_t words) {
    for (uint32_t i = 0; i < words; i += 2 + prog[i + 1]) {
        if (i + 2 > words || prog[i] == 0 || prog[i] >= N_OPS || OPS[prog[i]].arity != prog[i + 1] ||
            i + 2 + prog[i + 1] > words || (!OPS[prog[i]].fn && prog[i] != OP_BARRIER))
            return i + 1;
    }
    return 0;
}

static void execute(const uint32_t *prog, uint32_t words, uint32_t id, uint32_t n) {
    Quantized quantized = {0, 0, 0};
    Team team = {id, n, &quantized};
    for (uint32_t i = 0; i < words; i += 2 + prog[i + 1]) {
        if (prog[i] == OP_BARRIER) {
            team_barrier(&team);
            quantized = (Quantized){0, 0, 0};
        } else {
            OPS[prog[i]].fn(&team, prog + i + 2);
        }
    }
    team_barrier(&team);  // the caller reads the results next
}

EXPORT("zero") void zero(uint32_t ptr, uint32_t bytes) {
    __builtin_memset(PTR(uint8_t, ptr), 0, bytes);
}

#ifndef THREADS

void team_barrier(const Team *team) {
    (void)team;
}

EXPORT("run") uint32_t run(uint32_t prog, uint32_t words) {
    uint32_t bad = check(PTR(const uint32_t, prog), words);
    if (bad) return bad;
    execute(PTR(const uint32_t, prog), words, 0, 1);
    return 0;
}

#else

#define SPINS 2000  // polls before sleeping (~µs): longer spins starve a shared core (measured on 2 cores)

static uint32_t bar_count, bar_gen, bar_sleepers;  // the barrier
static uint32_t job_gen, job_prog, job_words, job_threads, job_sleepers;  // the posted program
static uint32_t team_size = 1, workers_waiting;

static uint32_t load(uint32_t *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }

// Wait until *p != seen: spin first, then sleep (with `sleepers` counted so wakers know to notify).
// Thread 0 only spins: it may be a browser's main thread, where memory.atomic.wait32 traps; it
// waits only inside a program, for the others' share of an op.
static void wait_change(uint32_t *p, uint32_t seen, uint32_t *sleepers, int may_sleep) {
    for (uint32_t i = 0; !may_sleep || i < SPINS; i++)
        if (load(p) != seen) return;
    __atomic_add_fetch(sleepers, 1, __ATOMIC_SEQ_CST);
    while (load(p) == seen) __builtin_wasm_memory_atomic_wait32((int *)p, (int)seen, -1);
    __atomic_sub_fetch(sleepers, 1, __ATOMIC_SEQ_CST);
}

static void bump(uint32_t *p, uint32_t *sleepers) {
    __atomic_add_fetch(p, 1, __ATOMIC_SEQ_CST);
    if (load(sleepers)) __builtin_wasm_memory_atomic_notify((int *)p, 0xffffffffu);
}

void team_barrier(const Team *team) {
    if (team->n == 1) return;
    uint32_t gen = load(&bar_gen);
    if (__atomic_add_fetch(&bar_count, 1, __ATOMIC_SEQ_CST) == team->n) {
        __atomic_store_n(&bar_count, 0, __ATOMIC_SEQ_CST);
        bump(&bar_gen, &bar_sleepers);
    } else {
        wait_change(&bar_gen, gen, &bar_sleepers, team->id != 0);
    }
}

// Threads that take part in the following runs (1 + the workers started): call it once
// `workers_ready` counts them all, or a late worker would miss its first program.
EXPORT("set_threads") void set_threads(uint32_t n) {
    team_size = n ? n : 1;
}

EXPORT("workers_ready") uint32_t workers_ready(void) {
    return load(&workers_waiting);
}

EXPORT("run") uint32_t run(uint32_t prog, uint32_t words) {
    uint32_t bad = check(PTR(const uint32_t, prog), words);
    if (bad || !words) return bad;  // an empty program would finish without the workers: a late
    job_prog = prog;                // one would then take the next program's number for its own
    job_words = words;
    job_threads = team_size;
    if (team_size > 1) bump(&job_gen, &job_sleepers);
    execute(PTR(const uint32_t, prog), words, 0, team_size);
    return 0;
}

// A Web Worker's loop (never returns): run each posted program as thread `id`.
EXPORT("worker") void worker(uint32_t id) {
    uint32_t seen = load(&job_gen);
    __atomic_add_fetch(&workers_waiting, 1, __ATOMIC_SEQ_CST);
    for (;;) {
        wait_change(&job_gen, seen, &job_sleepers, 1);
        seen = load(&job_gen);
        uint32_t n = load(&job_threads);
        if (id < n) execute(PTR(const uint32_t, load(&job_prog)), load(&job_words), id, n);
    }
}

#endif
