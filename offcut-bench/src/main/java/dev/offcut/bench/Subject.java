package dev.offcut.bench;

/**
 * One live instance of an allocator under test: it allocates, frees and reallocates raw blocks named by
 * {@code long} handles (an address, an offset, or a slot number for subjects that hand out objects).
 *
 * <p>A subject is opened fresh for each trial and closed after it. It is used from one thread unless its factory
 * declares {@link Capability#THREAD_SAFE}.
 */
public interface Subject extends AutoCloseable {

    /**
     * Allocates a block.
     *
     * @param byteSize      the block's size in bytes, {@code >= 1}
     * @param byteAlignment a power of two
     * @return a non-zero handle, or 0 when the subject is out of memory
     */
    long allocate(long byteSize, long byteAlignment);

    /**
     * Frees a block.
     *
     * @param handle        a live handle from this subject
     * @param byteSize      the size it was allocated (or last reallocated) with
     * @param byteAlignment the alignment it was allocated with
     */
    void free(long handle, long byteSize, long byteAlignment);

    /**
     * Resizes a block, keeping {@code min(oldByteSize, newByteSize)} bytes and the alignment.
     *
     * @param handle        a live handle
     * @param oldByteSize   its current size
     * @param newByteSize   the new size, {@code >= 1}
     * @param byteAlignment its alignment
     * @return the (possibly new) handle, or 0 when out of memory, in which case {@code handle} is still live
     */
    long reallocate(long handle, long oldByteSize, long newByteSize, long byteAlignment);

    /**
     * Writes to a block so that lazily committed memory is really touched: every workload calls this once per
     * allocation. Implementations write the first and last byte of the block, and one byte per 4 KiB between.
     *
     * @param handle   a live handle
     * @param byteSize its size
     */
    void touch(long handle, long byteSize);

    /**
     * Frees every live block at once, for subjects that cannot free blocks one by one (bump and slicing
     * allocators): the workloads call it where every block of a round is dead. Added for the bench module's
     * workloads; subjects that free individually keep the default.
     *
     * @return {@code true} if the subject is now empty, {@code false} if it cannot reset (the default)
     */
    default boolean reset() {
        return false;
    }

    /**
     * Prepares the calling thread to use this subject (rpmalloc needs a per-thread heap). Every workload calls it
     * once on each thread that uses the subject, before the first call; repeated calls are harmless.
     */
    default void enterThread() {
    }

    /** Tells the subject that the calling thread is done with it (the partner of {@link #enterThread()}). */
    default void exitThread() {
    }

    /**
     * Returns the native address of a live block, for workloads that write and check content through it. Subjects
     * declaring {@link Capability#NATIVE_ADDRESS} implement it; the default refuses.
     *
     * @param handle a live handle
     * @return the block's address
     * @throws UnsupportedOperationException when the subject's blocks have no native address
     */
    default long address(long handle) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no native addresses");
    }

    /**
     * Returns the bytes this subject holds from the operating system now, as far as its public API tells, or -1
     * when it cannot tell. For Offcut: the memory's grown bytes (the public API tells neither how many pages an
     * allocator released nor its Java-heap metadata, so this is an upper bound on grown - released and leaves the
     * metadata out). Subjects opened by {@link SubjectFactory#openFootprint(long)} answer; it may cost a lock.
     *
     * @return committed bytes, or -1
     */
    default long committedBytes() {
        return -1;
    }

    /**
     * Returns the bytes of the subject's memory that are resident in RAM now (Linux {@code mincore} over the grown
     * range), or -1 when it cannot tell: a lower bound beside {@link #committedBytes()}, since pages never touched
     * and pages released with {@code madvise} are not resident.
     *
     * @return resident bytes, or -1
     */
    default long residentBytes() {
        return -1;
    }

    /**
     * Returns the bytes of live blocks as the subject counts them (requested sizes), or -1 when it does not count.
     *
     * @return live bytes, or -1
     */
    default long liveBytes() {
        return -1;
    }

    /** Releases everything the subject holds, live blocks included. */
    @Override
    void close();
}
