package dev.offcut;

/**
 * An immutable snapshot of an allocator's counters, in the spirit of talc's {@code Counters}.
 *
 * <p>Every allocator fills every field; an allocator with a single heap reports {@code heapCount == 1} once it has
 * claimed memory. Byte counts of blocks are the sizes callers asked for, not the rounded sizes the allocator gave.
 * After everything is freed, {@code allocationCount == 0} and {@code allocatedBytes == 0}, except for {@code bump} and
 * {@code pages}, whose free only checks the offset: their counts never drop (a bump allocator's only on a reset).
 * The identity {@code claimedBytes == availableBytes + allocatedBytes + overheadBytes()} holds by definition.
 *
 * @param allocationCount      live blocks now
 * @param totalAllocationCount blocks ever allocated (a reallocation that moves counts once more)
 * @param allocatedBytes       bytes of live blocks, as requested
 * @param totalAllocatedBytes  bytes ever allocated, as requested (a reallocation adds any growth)
 * @param availableBytes       bytes in free chunks that an allocation could use now, metadata excluded
 * @param fragmentCount        free chunks now
 * @param heapCount            heaps now (contiguous regions the allocator manages)
 * @param totalHeapCount       heaps ever claimed
 * @param claimedBytes         bytes of all heaps now: blocks, free chunks, gaps and metadata
 * @param totalClaimedBytes    bytes ever claimed
 * @param memoryByteSize       the size of the underlying {@link LinearMemory} when the snapshot was taken
 */
public record AllocatorStats(
        long allocationCount,
        long totalAllocationCount,
        long allocatedBytes,
        long totalAllocatedBytes,
        long availableBytes,
        long fragmentCount,
        long heapCount,
        long totalHeapCount,
        long claimedBytes,
        long totalClaimedBytes,
        long memoryByteSize) {

    /**
     * Returns the bytes claimed but neither allocated nor available: headers, rounding, alignment gaps too small
     * to reuse, and allocator metadata.
     *
     * @return {@code claimedBytes - availableBytes - allocatedBytes}
     */
    public long overheadBytes() {
        return claimedBytes - availableBytes - allocatedBytes;
    }

    /**
     * Returns the bytes of every block freed so far.
     *
     * @return {@code totalAllocatedBytes - allocatedBytes}
     */
    public long freedBytes() {
        return totalAllocatedBytes - allocatedBytes;
    }

    /**
     * Returns the number of blocks freed so far.
     *
     * @return {@code totalAllocationCount - allocationCount}
     */
    public long freedCount() {
        return totalAllocationCount - allocationCount;
    }

    /**
     * Returns the counters as a small aligned table, one counter a line, for logs.
     *
     * @return a multi-line, human-readable table
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(640);
        sb.append(String.format("%-16s %20s %20s%n", "", "now", "total"));
        row(sb, "allocations", allocationCount, totalAllocationCount);
        row(sb, "allocated bytes", allocatedBytes, totalAllocatedBytes);
        row(sb, "freed", -1, freedCount());
        row(sb, "freed bytes", -1, freedBytes());
        row(sb, "heaps", heapCount, totalHeapCount);
        row(sb, "claimed bytes", claimedBytes, totalClaimedBytes);
        row(sb, "available bytes", availableBytes, -1);
        row(sb, "fragments", fragmentCount, -1);
        row(sb, "overhead bytes", overheadBytes(), -1);
        row(sb, "memory bytes", memoryByteSize, -1);
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, long now, long total) {
        sb.append(String.format("%-16s %20s %20s%n", name, now < 0 ? "" : String.format("%,d", now),
                total < 0 ? "" : String.format("%,d", total)));
    }
}
