package dev.offcut.bench.workload;

/**
 * The workloads' random numbers: SplitMix64 from a fixed seed, and talc's size and alignment distributions.
 * Workloads draw from it before timing and keep the results in primitive arrays.
 */
public final class Gen {

    private long state;

    /**
     * Creates a generator.
     *
     * @param seed the seed; equal seeds give equal sequences
     */
    public Gen(long seed) {
        this.state = seed;
    }

    /**
     * Returns 64 random bits.
     *
     * @return the bits
     */
    public long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Returns a uniform int in {@code [0, bound)}, by multiply-shift (no division).
     *
     * @param bound {@code >= 1}
     * @return the number
     */
    public int below(int bound) {
        return pick(nextLong() >>> 32, bound);
    }

    /**
     * Returns a uniform long in {@code [from, to)}: talc's {@code U[from, to)}.
     *
     * @param from inclusive
     * @param to   exclusive, {@code > from}
     * @return the number
     */
    public long range(long from, long to) {
        return from + Long.remainderUnsigned(nextLong(), to - from);
    }

    /**
     * Maps 32 random bits to an index in {@code [0, count)} (used on pre-generated bits in timed loops).
     *
     * @param bits32 random bits in the low 32 bits
     * @param count  {@code >= 1}
     * @return the index
     */
    public static int pick(long bits32, int count) {
        return (int) (((bits32 & 0xFFFF_FFFFL) * count) >>> 32);
    }

    /**
     * talc's {@code generate_size(max)}: {@code U[4, U[16, max))}, skewed to small sizes.
     *
     * @param maxByteSize the cap, {@code > 16}
     * @return the size
     */
    public long talcSize(long maxByteSize) {
        long cap = range(16, maxByteSize);
        return range(4, cap);
    }

    /**
     * talc's {@code generate_align()}: {@code 8 << (trailingZeros(u16) / 2)} with {@code trailingZeros(0) = 16},
     * so 8 B 75 %, 16 B 18.75 %, ... up to 2048 B.
     *
     * @return the alignment
     */
    public long talcAlign() {
        int u16 = (int) (nextLong() >>> 48);
        return 8L << (Integer.numberOfTrailingZeros(u16 | 0x1_0000) / 2);
    }

    /**
     * Returns a size log-uniform in {@code [min, max]}.
     *
     * @param min the smallest, {@code >= 1}
     * @param max the largest
     * @return the size
     */
    public long logUniform(long min, long max) {
        double u = (nextLong() >>> 11) * 0x1.0p-53;
        double low = Math.log(min);
        double high = Math.log(max + 1.0);
        return Math.min(max, (long) Math.exp(low + u * (high - low)));
    }

    /**
     * Shuffles an array in place (Fisher-Yates).
     *
     * @param values the array
     */
    public void shuffle(int[] values) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = below(i + 1);
            int swap = values[i];
            values[i] = values[j];
            values[j] = swap;
        }
    }
}
