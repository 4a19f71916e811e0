package dev.offcut.bench;

/** What a {@link SubjectFactory}'s subjects can do; workloads pick their subjects by these. */
public enum Capability {
    /** Blocks can be freed individually (bump and slicing subjects cannot). */
    FREES,
    /** {@link Subject#reallocate} is native to the subject, not emulated. */
    REALLOCATES,
    /** One subject may be used from several threads at once. */
    THREAD_SAFE,
    /** The subject works inside a fixed heap given at open, so heap efficiency can be measured. */
    FIXED_HEAP,
    /** {@link Subject#address(long)} gives each block's native address (workloads write content through it). */
    NATIVE_ADDRESS,
    /**
     * {@link SubjectFactory#openFootprint(long)} opens a subject over growable memory whose
     * {@link Subject#committedBytes()} and {@link Subject#liveBytes()} answer (Offcut's subjects).
     */
    FOOTPRINT
}
