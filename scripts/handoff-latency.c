// Cache-line handoff latency between CPU 0 and CPU 1: two threads, pinned one to each, pass a
// counter back and forth through one cache line, 25 rounds of 20,000 round trips; prints the best
// and mean round trip in ns. Used by scripts/vcpu-handoff.sh to show that ConvKit's 2-thread batch-4
// step is slow exactly when this round trip is (the VM's two vCPUs sitting far apart on the host).
// Build: cc -O2 -pthread scripts/handoff-latency.c -o handoff-latency
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

enum { ROUNDS = 25, PASSES = 20000 };
static struct { _Alignas(64) _Atomic long turn; } line;

static int pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

/// Answers every odd turn with the next even one, until the process exits.
static void *responder(void *unused) {
    (void)unused;
    if (pin(1) != 0) return NULL;
    for (long turn = 0;; turn += 2) {
        while (atomic_load_explicit(&line.turn, memory_order_acquire) != turn + 1) {}
        atomic_store_explicit(&line.turn, turn + 2, memory_order_release);
    }
    return NULL;
}

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(void) {
    pthread_t thread;
    if (pin(0) != 0 || pthread_create(&thread, NULL, responder, NULL) != 0) {
        fprintf(stderr, "error: needs CPUs 0 and 1\n");
        return 1;
    }
    long turn = 0;
    double best = 1e18, sum = 0;
    for (int round = 0; round < ROUNDS; round++) {
        const double start = now_ns();
        for (int i = 0; i < PASSES; i++) {
            atomic_store_explicit(&line.turn, turn + 1, memory_order_release);
            while (atomic_load_explicit(&line.turn, memory_order_acquire) != turn + 2) {}
            turn += 2;
        }
        const double each = (now_ns() - start) / PASSES;
        sum += each;
        if (each < best) best = each;
    }
    printf("%.0f %.0f\n", best, sum / ROUNDS);
    return 0;
}
