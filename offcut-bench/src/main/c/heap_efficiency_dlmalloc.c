/*
 * talc's heap-efficiency workload over Doug Lea's dlmalloc, for the one comparison the Java benchmarks cannot make:
 * dlmalloc is the allocator whose published figure (97.74 %) the binned allocator's efficiency target quotes.
 *
 * The workload, generator and seed handling are those of the Java HeapEfficiencyWorkload (SplitMix64; sizes
 * U[4, U[16, 10000)), talc's alignment mix, reallocation to U[1, 100000)), over one fixed 128 MiB region given to
 * an mspace, so dlmalloc can neither grow nor mmap. Alignments above 16 go through mspace_memalign, and their
 * reallocations through memalign + copy + free, as the Rust dlmalloc crate that talc's benchmark uses does.
 *
 * dlmalloc is not part of this repository. To run (dlmalloc 2.8.6, public domain, from
 * https://gee.cs.oswego.edu/pub/misc/malloc.c):
 *
 *   gcc -O2 -DONLY_MSPACES=1 -DMSPACES=1 -DHAVE_MMAP=0 -DHAVE_MORECORE=0 -DUSE_LOCKS=0 -w \
 *       -o heap_efficiency_dlmalloc heap_efficiency_dlmalloc.c malloc.c
 *   ./heap_efficiency_dlmalloc 300 42        # rounds, seed
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void *mspace;
mspace create_mspace_with_base(void *base, size_t capacity, int locked);
void *mspace_malloc(mspace msp, size_t bytes);
void *mspace_memalign(mspace msp, size_t alignment, size_t bytes);
void *mspace_realloc(mspace msp, void *mem, size_t newsize);
void mspace_free(mspace msp, void *mem);

#define HEAP_BYTES ((size_t) 128 << 20)
#define MAX_LIVE (1 << 20)

static uint64_t state;

static uint64_t next_random(void) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, bound): multiply-shift of the high 32 bits, as Gen.below. */
static int below(int bound) { return (int) (((next_random() >> 32) * (uint64_t) bound) >> 32); }

/* Uniform in [from, to), as Gen.range. */
static uint64_t range(uint64_t from, uint64_t to) { return from + next_random() % (to - from); }

static uint64_t talc_size(uint64_t max) { return range(4, range(16, max)); }

static uint64_t talc_align(void) {
    unsigned bits = (unsigned) (next_random() >> 48); /* the top 16 bits, as Gen.talcAlign */
    int zeros = bits == 0 ? 16 : __builtin_ctz(bits);
    return (uint64_t) 8 << (zeros / 2);
}

static void *blocks[MAX_LIVE];
static uint64_t sizes[MAX_LIVE];
static uint64_t aligns[MAX_LIVE];

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 300;
    state = argc > 2 ? strtoull(argv[2], NULL, 10) : 42;
    void *region = aligned_alloc(65536, HEAP_BYTES);
    if (region == NULL) {
        return 1;
    }
    memset(region, 0, HEAP_BYTES);
    double used = 0;
    double total = 0;
    for (int round = 0; round < rounds; round++) {
        mspace heap = create_mspace_with_base(region, HEAP_BYTES, 0);
        int live = 0;
        for (;;) {
            int action = below(10);
            if (action <= 4) {
                uint64_t size = talc_size(10000);
                uint64_t align = talc_align();
                void *p = live == MAX_LIVE ? NULL
                        : align <= 16 ? mspace_malloc(heap, size) : mspace_memalign(heap, align, size);
                if (p == NULL) {
                    break;
                }
                blocks[live] = p;
                sizes[live] = size;
                aligns[live] = align;
                live++;
            } else if (action == 5) {
                if (live > 0) {
                    int i = below(live);
                    mspace_free(heap, blocks[i]);
                    live--;
                    blocks[i] = blocks[live];
                    sizes[i] = sizes[live];
                    aligns[i] = aligns[live];
                }
            } else if (live > 0) {
                int i = below(live);
                uint64_t size = range(1, 100000);
                void *p;
                if (aligns[i] <= 16) {
                    p = mspace_realloc(heap, blocks[i], size);
                } else {
                    p = mspace_memalign(heap, aligns[i], size);
                    if (p != NULL) {
                        memcpy(p, blocks[i], sizes[i] < size ? sizes[i] : size);
                        mspace_free(heap, blocks[i]);
                    }
                }
                if (p == NULL) {
                    break;
                }
                blocks[i] = p;
                sizes[i] = size;
            }
        }
        for (int i = 0; i < live; i++) {
            used += (double) sizes[i];
        }
        total += (double) HEAP_BYTES;
        /* The next round gets a fresh mspace over the same region, so nothing needs freeing. */
    }
    printf("dlmalloc heap efficiency: %.3f %% (%d rounds x 128 MiB, seed %llu)\n", 100.0 * used / total, rounds,
           (unsigned long long) (argc > 2 ? strtoull(argv[2], NULL, 10) : 42));
    free(region);
    return 0;
}
