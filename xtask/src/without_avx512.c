/* A preloaded library that hides AVX-512 from the process it is loaded into, so that a machine
 * with AVX-512 runs the SIMD kernels a machine without it runs (gemm, burn-flex's macerator and
 * std's feature detection all read CPUID).
 *
 * It turns on Linux's CPUID faulting for the process (arch_prctl ARCH_SET_CPUID, inherited by
 * every thread), so each CPUID instruction raises SIGSEGV; the handler executes the real CPUID
 * with faulting briefly off, clears the AVX-512 bits of leaf 7, and resumes after the
 * instruction. Only CPUID is slowed, and programs read it once. Where the kernel or the CPU
 * lacks CPUID faulting the library says so and the process exits with status 3.
 *
 * Built and used by xtask (src/portable.rs): LD_PRELOAD=without_avx512.so. */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

enum { CPUID_FAULTS = 0, CPUID_RUNS = 1, EXIT_UNSUPPORTED = 3 };

/* Leaf 7, sub-leaf 0: AVX512F, DQ, IFMA, PF, ER, CD, BW, VL in EBX; VBMI, VBMI2, VNNI, BITALG,
 * VPOPCNTDQ in ECX; 4VNNIW, 4FMAPS, VP2INTERSECT, FP16 in EDX. Sub-leaf 1: BF16 in EAX. */
static const uint32_t LEAF7_EBX = (1u << 16) | (1u << 17) | (1u << 21) | (1u << 26) | (1u << 27) | (1u << 28) | (1u << 30) | (1u << 31);
static const uint32_t LEAF7_ECX = (1u << 1) | (1u << 6) | (1u << 11) | (1u << 12) | (1u << 14);
static const uint32_t LEAF7_EDX = (1u << 2) | (1u << 3) | (1u << 8) | (1u << 23);
static const uint32_t LEAF7_1_EAX = 1u << 5;

static int set_cpuid(int mode) {
    return (int)syscall(SYS_arch_prctl, ARCH_SET_CPUID, mode);
}

/* Restores the default action of `signal`: the faulting instruction, run again, then takes it. */
static void restore_default(int signal) {
    struct sigaction fallback;
    memset(&fallback, 0, sizeof fallback);
    fallback.sa_handler = SIG_DFL;
    sigaction(signal, &fallback, NULL);
}

static void emulate_cpuid(int signal, siginfo_t *info, void *context) {
    (void)info;
    greg_t *r = ((ucontext_t *)context)->uc_mcontext.gregs;
    const unsigned char *at = (const unsigned char *)r[REG_RIP];
    if (at[0] != 0x0f || at[1] != 0xa2 || set_cpuid(CPUID_RUNS) != 0) {
        restore_default(signal); /* a real fault */
        return;
    }
    uint32_t leaf = (uint32_t)r[REG_RAX], sub = (uint32_t)r[REG_RCX], a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf), "c"(sub));
    set_cpuid(CPUID_FAULTS);
    if (leaf == 7 && sub == 0) {
        b &= ~LEAF7_EBX;
        c &= ~LEAF7_ECX;
        d &= ~LEAF7_EDX;
    } else if (leaf == 7 && sub == 1) {
        a &= ~LEAF7_1_EAX;
    }
    r[REG_RAX] = a;
    r[REG_RBX] = b;
    r[REG_RCX] = c;
    r[REG_RDX] = d;
    r[REG_RIP] += 2;
}

__attribute__((constructor)) static void hide_avx512(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = emulate_cpuid;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGSEGV, &action, NULL) != 0 || set_cpuid(CPUID_FAULTS) != 0) {
        fprintf(stderr, "without_avx512: this kernel or CPU has no CPUID faulting; AVX-512 cannot be hidden\n");
        _exit(EXIT_UNSUPPORTED);
    }
}
