// What this CPU can run and how big its caches are: engine support from cpuid plus XGETBV (the
// OS must save the YMM, and for AVX-512 the ZMM and opmask, registers on a context switch, or
// the instructions fault), the engine selected by CONVKIT_ENGINE, and the data caches, read once.
#include "ConvKitKernelsC.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__APPLE__)
#include <sys/sysctl.h>
#endif
#if defined(__x86_64__)
#include <cpuid.h>

/// XCR0, the register of state components the OS saves (0 when XGETBV is not enabled by the OS).
static unsigned long long ck_xcr0(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    if (!(ecx & bit_OSXSAVE)) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

/// AVX2 and FMA in cpuid, with XMM and YMM state saved by the OS (XCR0 bits 1 and 2).
static bool ck_cpu_has_avx2_fma(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_FMA) || !(ecx & bit_AVX)) return false;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) || !(ebx & bit_AVX2)) return false;
    return (ck_xcr0() & 0x6) == 0x6;
}

/// AVX-512 Foundation in cpuid, with opmask, upper-ZMM and high-ZMM state saved (XCR0 bits 5–7)
/// besides XMM and YMM: XCR0 & 0xE6 == 0xE6.
static bool ck_cpu_has_avx512f(void) {
    unsigned eax, ebx, ecx, edx;
    if (!ck_cpu_has_avx2_fma()) return false;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) || !(ebx & bit_AVX512F)) return false;
    return (ck_xcr0() & 0xE6) == 0xE6;
}
#endif

/// Support of each engine, probed once: cpuid traps to the hypervisor in a VM (microseconds), and
/// every kernel call asks.
static bool ck_probe(ck_engine engine) {
    switch (engine) {
    case CK_ENGINE_PORTABLE:
        return true;
    case CK_ENGINE_AVX2_FMA:
#if defined(__x86_64__)
        return ck_cpu_has_avx2_fma();
#else
        return false;
#endif
    case CK_ENGINE_AVX512:
#if defined(__x86_64__)
        return ck_cpu_has_avx512f();
#else
        return false;
#endif
    }
    return false;
}

bool ck_engine_supported(ck_engine engine) {
    // Bit e + 1 is engine e's support; bit 0 says the probe ran.
    static int flags = 0;
    int value = __atomic_load_n(&flags, __ATOMIC_ACQUIRE);
    if (!value) {
        value = 1;
        for (int e = CK_ENGINE_PORTABLE; e <= CK_ENGINE_AVX512; e++) {
            if (ck_probe((ck_engine)e)) value |= 1 << (e + 1);
        }
        __atomic_store_n(&flags, value, __ATOMIC_RELEASE);
    }
    return (unsigned)engine <= CK_ENGINE_AVX512 && (value >> (engine + 1)) & 1;
}

ck_engine ck_fastest_engine(void) {
    if (ck_engine_supported(CK_ENGINE_AVX512)) return CK_ENGINE_AVX512;
    if (ck_engine_supported(CK_ENGINE_AVX2_FMA)) return CK_ENGINE_AVX2_FMA;
    return CK_ENGINE_PORTABLE;
}

int ck_engine_named(const char *name) {
    if (name == NULL) return -1;
    if (strcmp(name, "portable") == 0) return CK_ENGINE_PORTABLE;
    if (strcmp(name, "avx2") == 0 || strcmp(name, "avx2-fma") == 0) return CK_ENGINE_AVX2_FMA;
    if (strcmp(name, "avx512") == 0) return CK_ENGINE_AVX512;
    return -1;
}

ck_engine ck_best_engine(void) {
    static int selected = -1;
    int value = __atomic_load_n(&selected, __ATOMIC_ACQUIRE);
    if (value < 0) {
        // CONVKIT_ENGINE forces a supported engine; anything else (the CLI reports it) is ignored.
        const int requested = ck_engine_named(getenv("CONVKIT_ENGINE"));
        value = requested >= 0 && ck_engine_supported((ck_engine)requested) ? requested : (int)ck_fastest_engine();
        __atomic_store_n(&selected, value, __ATOMIC_RELEASE);
    }
    return (ck_engine)value;
}

bool ck_engine_has_avx2(ck_engine engine) {
    return (engine == CK_ENGINE_AVX2_FMA || engine == CK_ENGINE_AVX512) && ck_engine_supported(CK_ENGINE_AVX2_FMA);
}

const char *ck_engine_name(ck_engine engine) {
    switch (engine) {
    case CK_ENGINE_PORTABLE: return "portable";
    case CK_ENGINE_AVX2_FMA: return "avx2-fma";
    case CK_ENGINE_AVX512: return "avx512";
    }
    return "unknown";
}

// MARK: - Caches

#if defined(__linux__)
/// The first line of a sysfs file as a string (empty on failure).
static void ck_read_line(const char *path, char *out, size_t size) {
    out[0] = 0;
    FILE *file = fopen(path, "r");
    if (!file) return;
    if (!fgets(out, (int)size, file)) out[0] = 0;
    fclose(file);
    out[strcspn(out, "\n")] = 0;
}

/// Bytes in a sysfs size ("32K", "1024K", "32M").
static long ck_parse_size(const char *text) {
    char *end = NULL;
    long value = strtol(text, &end, 10);
    if (end == text || value <= 0) return 0;
    if (*end == 'K') value *= 1024;
    else if (*end == 'M') value *= 1024 * 1024;
    return value;
}

/// CPUs listed in a sysfs cpu list ("0-1", "0,2,4-7").
static long ck_count_cpus(const char *list) {
    long count = 0;
    const char *p = list;
    while (*p) {
        char *end = NULL;
        const long first = strtol(p, &end, 10);
        if (end == p) break;
        long last = first;
        p = end;
        if (*p == '-') {
            last = strtol(p + 1, &end, 10);
            p = end;
        }
        count += last >= first ? last - first + 1 : 1;
        if (*p == ',') p++;
    }
    return count;
}
#endif

ck_cache_info ck_caches(void) {
    static ck_cache_info info;
    static int ready = 0;
    if (__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) return info;
    ck_cache_info found = {0, 0, 0, 1, false};
#if defined(__linux__)
    for (int index = 0; index < 8; index++) {
        char path[128], level[16], type[32], size[32], shared[256];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", index);
        ck_read_line(path, level, sizeof level);
        if (!level[0]) break;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", index);
        ck_read_line(path, type, sizeof type);
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", index);
        ck_read_line(path, size, sizeof size);
        if (strcmp(type, "Instruction") == 0) continue;
        const long bytes = ck_parse_size(size);
        if (strcmp(level, "1") == 0) found.l1d = bytes;
        if (strcmp(level, "2") == 0) found.l2 = bytes;
        if (strcmp(level, "3") == 0) {
            found.l3 = bytes;
            snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/shared_cpu_list", index);
            ck_read_line(path, shared, sizeof shared);
            const long sharing = ck_count_cpus(shared);
            found.l3_sharing = sharing > 0 ? sharing : 1;
        }
    }
#elif defined(__APPLE__)
    long long value = 0;
    size_t length = sizeof value;
    if (sysctlbyname("hw.l1dcachesize", &value, &length, NULL, 0) == 0) found.l1d = (long)value;
    length = sizeof value;
    if (sysctlbyname("hw.l2cachesize", &value, &length, NULL, 0) == 0) found.l2 = (long)value;
    length = sizeof value;
    if (sysctlbyname("hw.l3cachesize", &value, &length, NULL, 0) == 0) found.l3 = (long)value;
#endif
    found.measured = found.l1d > 0 && found.l2 > 0;
    // Typical values where the system says nothing (the blocking stays reasonable).
    if (found.l1d <= 0) found.l1d = 32 * 1024;
    if (found.l2 <= 0) found.l2 = 512 * 1024;
    if (found.l3 <= 0) found.l3 = 0;
    info = found;
    __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
    return info;
}

/// Largest multiple of `step` not above `value`, and at least `step`.
static long ck_round_down(long value, long step) { return value < step ? step : value / step * step; }

ck_blocking ck_blocking_for(long mr, long nr, ck_cache_info caches) {
    ck_blocking b;
    // KC: a KC x NR micro-panel of B takes half of L1 (the A micro-panel and C tile stream through
    // the other half): 256 for NR = 16 on a 32 KiB L1.
    b.kc = ck_round_down(caches.l1d / (2 * nr * (long)sizeof(float)), 8);
    if (b.kc > 1024) b.kc = 1024;
    // MC: an MC x KC block of A takes half of L2; a multiple of MR and of 4.
    const long step = mr % 4 == 0 ? mr : mr * 2;
    b.mc = ck_round_down(caches.l2 / (2 * b.kc * (long)sizeof(float)), step);
    if (b.mc > 1024) b.mc = ck_round_down(1024, step);
    // NC: a KC x NC block of B takes half of this core's share of L3 (the whole L2 without an L3);
    // a multiple of NR, between 4·NR and 8192.
    const long share = caches.l3 > 0 ? caches.l3 / (caches.l3_sharing > 0 ? caches.l3_sharing : 1) : caches.l2;
    b.nc = ck_round_down(share / (2 * b.kc * (long)sizeof(float)), nr);
    if (b.nc < 4 * nr) b.nc = 4 * nr;
    if (b.nc > 8192) b.nc = ck_round_down(8192, nr);
    return b;
}
