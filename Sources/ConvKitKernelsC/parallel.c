// A small persistent thread pool for ConvKitKernels.parallelFor.
//
// Dispatch's concurrentPerform wakes its workers for every call; a LeNet-5 step at batch 4
// has four parallel regions of ~20-60 us each, where that wake-up costs as much as the work.
// Here workers stay awake, spinning for a short while (CK_SPIN_NS) after each region before
// they sleep on a condition variable, so back-to-back regions start in well under a
// microsecond. Chunks are claimed in one atomic ticket (generation << 32 | claim mask), so a
// worker can never run a chunk of a region that has already finished. Which thread runs which
// chunk may vary; callers combine per-chunk results in chunk order, so results do not.
#include "ConvKitKernelsC.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define CK_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define CK_PAUSE() __asm__ __volatile__("yield")
#else
#define CK_PAUSE() ((void)0)
#endif

/// How long an idle worker spins before it sleeps.
#define CK_SPIN_NS 200000L
/// Most worker threads the pool starts.
#define CK_MAX_WORKERS 63

/// A cache line. The words that threads write while others spin on them each get their own
/// (`ck_ticket`: claimed by every participant, polled by idle workers; `ck_done`: counted up by
/// finishing participants, polled by the caller; the region's fields: written by the caller once
/// per region, read by the workers), so a write to one does not invalidate the line another
/// thread is polling, and the pool's state shares no line with unrelated data.
#define CK_LINE 64

static pthread_mutex_t ck_region_lock = PTHREAD_MUTEX_INITIALIZER;  // one region at a time
static pthread_mutex_t ck_sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ck_sleep_cond = PTHREAD_COND_INITIALIZER;
/// Each of these structures fills whole cache lines (the type's alignment rounds its size up).
static struct __attribute__((aligned(CK_LINE))) { _Atomic uint64_t value; } ck_ticket;  // generation << 32 | mask of claimed chunks
static struct __attribute__((aligned(CK_LINE))) { _Atomic long value; } ck_done;        // chunks finished in the current generation
static struct __attribute__((aligned(CK_LINE))) { _Atomic int value; } ck_sleepers;
static int ck_workers;               // started (guarded by ck_region_lock)
/// The current region (written before the ticket that announces it).
static struct __attribute__((aligned(CK_LINE))) {
    ck_chunk_fn _Atomic fn;
    void *_Atomic context;
    _Atomic long chunks;
    _Atomic long helpers;          // workers with index below this take part
    _Atomic uint64_t generation;   // generation the fields above describe; 0 while written
} ck_job;
_Static_assert(sizeof ck_ticket == CK_LINE && sizeof ck_done == CK_LINE && sizeof ck_job == CK_LINE, "one cache line each");

/// A region of more than 32 chunks, run as 32 groups of consecutive chunks.
struct ck_groups {
    ck_chunk_fn fn;
    void *context;
    long chunks;
};

/// One of the 32 groups (see ck_parallel_for).
static void ck_run_group(void *argument, long group) {
    const struct ck_groups *groups = argument;
    const long begin = groups->chunks * group / 32, end = groups->chunks * (group + 1) / 32;
    for (long chunk = begin; chunk < end; chunk++) groups->fn(groups->context, chunk);
}

static long ck_now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000000000L + t.tv_nsec;
}

/// Claims and runs chunks of generation `generation` until none are left. The low 32 bits of
/// the ticket are a claim mask (one bit per chunk, at most 32 chunks): participant `self` of
/// `participants` first claims its own chunks (self, self + participants, …), so that a chunk
/// index runs on the same thread region after region and its data stays in that core's cache
/// (convolutions, pooling and activations split the batch the same way); then it takes any
/// chunk still unclaimed, so a late thread delays nothing.
static void ck_run_chunks(uint64_t generation, ck_chunk_fn fn, void *context, long chunks, long self, long participants) {
    for (int pass = 0; pass < 2; pass++) {
        const long first = pass == 0 ? self : 0, step = pass == 0 ? participants : 1;
        for (long chunk = first; chunk < chunks; chunk += step) {
            const uint64_t bit = (uint64_t)1 << chunk;
            uint64_t ticket = atomic_load_explicit(&ck_ticket.value, memory_order_acquire);
            for (;;) {
                if ((ticket >> 32) != generation) return;  // the region is over
                if (ticket & bit) break;                    // someone else has it
                if (atomic_compare_exchange_weak_explicit(&ck_ticket.value, &ticket, ticket | bit, memory_order_acq_rel, memory_order_acquire)) {
                    fn(context, chunk);
                    atomic_fetch_add_explicit(&ck_done.value, 1, memory_order_acq_rel);
                    break;
                }
            }
        }
    }
}

static void *ck_worker(void *argument) {
    const long index = (long)(intptr_t)argument;
    uint64_t seen = atomic_load_explicit(&ck_ticket.value, memory_order_acquire) >> 32;
    for (;;) {
        // Wait for a new generation: spin first, then sleep.
        uint64_t ticket = atomic_load_explicit(&ck_ticket.value, memory_order_acquire);
        const long start = ck_now_ns();
        for (long spins = 0; (ticket >> 32) == seen; spins++) {
            CK_PAUSE();
            // Every 1,024 pauses (≈25 µs), let any other runnable thread on this CPU run first: on a
            // machine with no idle CPU (2 vCPUs and a compiler running), the thread this worker waits
            // for may be queued behind it, and a pure spin would hold it off for the whole time
            // slice. (Every 64 pauses cost a quarter of the batch-4 step on a quiet machine: README.)
            if ((spins & 1023) == 1023) sched_yield();
            if ((spins & 63) == 63 && ck_now_ns() - start > CK_SPIN_NS) {
                pthread_mutex_lock(&ck_sleep_lock);
                atomic_fetch_add(&ck_sleepers.value, 1);
                while ((atomic_load(&ck_ticket.value) >> 32) == seen) pthread_cond_wait(&ck_sleep_cond, &ck_sleep_lock);
                atomic_fetch_sub(&ck_sleepers.value, 1);
                pthread_mutex_unlock(&ck_sleep_lock);
            }
            ticket = atomic_load_explicit(&ck_ticket.value, memory_order_acquire);
        }
        seen = ticket >> 32;
        // Read the region's fields seqlock-style: they must all belong to `seen` (the main thread
        // may already be writing the next region's if this one finished without this worker).
        if (atomic_load(&ck_job.generation) != seen) continue;
        const long helpers = atomic_load(&ck_job.helpers);
        const ck_chunk_fn fn = atomic_load(&ck_job.fn);
        void *const context = atomic_load(&ck_job.context);
        const long chunks = atomic_load(&ck_job.chunks);
        if (atomic_load(&ck_job.generation) != seen || index >= helpers) continue;
        ck_run_chunks(seen, fn, context, chunks, index + 1, helpers + 1);
    }
    return NULL;
}

void ck_parallel_for(long chunks, long threads, ck_chunk_fn fn, void *context) {
    if (chunks <= 0) return;
    // Serial when asked, or when another region is running (concurrent or nested callers).
    if (threads <= 1 || chunks == 1 || pthread_mutex_trylock(&ck_region_lock) != 0) {
        for (long chunk = 0; chunk < chunks; chunk++) fn(context, chunk);
        return;
    }
    if (chunks > 32) {
        // More chunks than claim bits: run them as 32 groups of consecutive chunks.
        pthread_mutex_unlock(&ck_region_lock);
        struct ck_groups groups = {fn, context, chunks};
        ck_parallel_for(32, threads, ck_run_group, &groups);
        return;
    }
    long helpers = threads - 1;
    if (helpers > chunks - 1) helpers = chunks - 1;
    if (helpers > CK_MAX_WORKERS) helpers = CK_MAX_WORKERS;
    while (ck_workers < helpers) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        const int failed = pthread_create(&thread, &attributes, ck_worker, (void *)(intptr_t)ck_workers);
        pthread_attr_destroy(&attributes);
        if (failed) break;
        ck_workers++;
    }
    if (helpers > ck_workers) helpers = ck_workers;
    const uint64_t generation = (atomic_load(&ck_ticket.value) >> 32) + 1;
    atomic_store(&ck_job.generation, 0);
    atomic_store(&ck_job.fn, fn);
    atomic_store(&ck_job.context, context);
    atomic_store(&ck_job.chunks, chunks);
    atomic_store(&ck_job.helpers, helpers);
    atomic_store(&ck_done.value, 0);
    atomic_store(&ck_job.generation, generation);
    atomic_store(&ck_ticket.value, generation << 32);
    if (atomic_load(&ck_sleepers.value) > 0) {
        pthread_mutex_lock(&ck_sleep_lock);
        pthread_cond_broadcast(&ck_sleep_cond);
        pthread_mutex_unlock(&ck_sleep_lock);
    }
    ck_run_chunks(generation, fn, context, chunks, 0, helpers + 1);
    while (atomic_load_explicit(&ck_done.value, memory_order_acquire) < chunks) CK_PAUSE();
    pthread_mutex_unlock(&ck_region_lock);
}

long ck_claim_next(long *counter) { return __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED); }
