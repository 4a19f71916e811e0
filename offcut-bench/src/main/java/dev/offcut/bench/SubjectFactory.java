package dev.offcut.bench;

import java.util.Optional;
import java.util.Set;

/**
 * A kind of allocator under test, able to open fresh {@link Subject}s.
 */
public interface SubjectFactory {

    /**
     * Returns the short name shown in tables, e.g. {@code "offcut-binned"} or {@code "malloc (Linker)"}.
     *
     * @return the name, unique among subjects
     */
    String name();

    /**
     * Returns one sentence on what the subject is.
     *
     * @return the description
     */
    String description();

    /**
     * Returns what the subject can do.
     *
     * @return the capabilities
     */
    Set<Capability> capabilities();

    /**
     * Tells why this subject cannot run on this machine, if it cannot (a missing native library, say). Such a
     * subject is reported with this reason, never silently dropped.
     *
     * @return the reason, or empty if the subject can run
     */
    Optional<String> unavailableReason();

    /**
     * Tells why this subject is broken, if it is: it links and loads, but opening it or a first allocation failed
     * (an exception, or no memory from a fresh subject). Unlike {@link #unavailableReason()} this is a bug to fix:
     * every pair of such a subject is reported as failed, with this message.
     *
     * @return the failure, or empty if the subject works (or is unavailable)
     */
    default Optional<String> failure() {
        return Optional.empty();
    }

    /**
     * Opens a fresh subject.
     *
     * @param heapByteSize the heap size the workload needs: subjects with {@link Capability#FIXED_HEAP} allocate
     *                     from exactly this many bytes; others may use it as a sizing hint
     * @return a new subject
     */
    Subject open(long heapByteSize);

    /**
     * Opens a fresh subject that several threads will use at once (only called for {@link Capability#THREAD_SAFE}
     * factories). Subjects whose handles index a table of objects lock that table here; others return
     * {@link #open(long)}.
     *
     * @param heapByteSize as for {@link #open(long)}
     * @return a new subject safe to share between threads
     */
    default Subject openShared(long heapByteSize) {
        return open(heapByteSize);
    }

    /**
     * Opens a fresh thread-safe subject over memory that starts empty and grows on demand, so that its
     * {@link Subject#committedBytes()} follows what the allocator really takes (only for
     * {@link Capability#FOOTPRINT} factories; throughput is measured on {@link #openShared(long)}'s subjects).
     *
     * @param maxByteSize the most the memory may grow to
     * @return a new subject safe to share between threads
     * @throws UnsupportedOperationException when the factory cannot measure its footprint
     */
    default Subject openFootprint(long maxByteSize) {
        throw new UnsupportedOperationException(name() + " cannot measure its footprint");
    }

    /**
     * Returns the largest alignment the subject honours. Subjects that ignore the requested alignment (Netty's
     * buffers, {@code byte[]}, one-nio) return the alignment they happen to give; workloads that need more
     * (high-alignment) skip them, the others note it.
     *
     * @return a power of two
     */
    default long maxByteAlignment() {
        return 1L << 32;
    }

    /**
     * Tells whether the subject frees whole rounds at once with {@link Subject#reset()} instead of freeing blocks
     * one by one (bump and slicing allocators), so round-based workloads (pair, batch, high-alignment) can run it.
     *
     * @return {@code true} if {@link Subject#reset()} works
     */
    default boolean resets() {
        return false;
    }
}
