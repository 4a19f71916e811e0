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
    FIXED_HEAP
}
