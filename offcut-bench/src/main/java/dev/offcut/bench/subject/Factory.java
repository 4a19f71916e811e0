package dev.offcut.bench.subject;

import dev.offcut.bench.Capability;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongFunction;

/**
 * A {@link SubjectFactory} assembled from functions. Whether it works is found out once, by opening a small subject
 * and allocating, touching and freeing one block. Only a linkage problem -- a missing native library
 * ({@link UnsatisfiedLinkError}) or class ({@link NoClassDefFoundError}) anywhere in the cause chain -- makes the subject {@linkplain #unavailableReason() unavailable}; any other throwable, or a fresh subject that
 * cannot allocate 64 bytes, is a {@linkplain #failure() failure} with the exception's message, reported as a failed
 * pair, because it is a bug in the subject or in what it measures.
 */
public final class Factory implements SubjectFactory {

    private static final long PROBE_HEAP_BYTE_SIZE = 1L << 20;

    private final String name;
    private final String description;
    private final Set<Capability> capabilities;
    private final LongFunction<Subject> open;
    private final LongFunction<Subject> openShared;
    private final LongFunction<Subject> openFootprint;
    private final long maxByteAlignment;
    private final boolean resets;
    private volatile Probe probe;

    /** What the probe found: at most one of the two reasons is present. */
    private record Probe(Optional<String> unavailable, Optional<String> failure) {
    }

    private Factory(Builder builder) {
        this.name = builder.name;
        this.description = builder.description;
        this.capabilities = java.util.Collections.unmodifiableSet(EnumSet.copyOf(builder.capabilities));
        this.open = builder.open;
        this.openShared = builder.openShared != null ? builder.openShared : builder.open;
        this.openFootprint = builder.openFootprint;
        this.maxByteAlignment = builder.maxByteAlignment;
        this.resets = builder.resets;
    }

    /**
     * Starts a factory.
     *
     * @param name        the subject's name
     * @param description one sentence
     * @return a builder
     */
    public static Builder named(String name, String description) {
        return new Builder(name, description);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public Set<Capability> capabilities() {
        return capabilities;
    }

    @Override
    public Optional<String> unavailableReason() {
        return probed().unavailable();
    }

    @Override
    public Optional<String> failure() {
        return probed().failure();
    }

    private Probe probed() {
        Probe result = probe;
        if (result == null) {
            result = probe();
            probe = result;
        }
        return result;
    }

    @Override
    public Subject open(long heapByteSize) {
        return open.apply(heapByteSize);
    }

    @Override
    public Subject openShared(long heapByteSize) {
        return openShared.apply(heapByteSize);
    }

    @Override
    public Subject openFootprint(long maxByteSize) {
        if (openFootprint == null) {
            return SubjectFactory.super.openFootprint(maxByteSize);
        }
        return openFootprint.apply(maxByteSize);
    }

    @Override
    public long maxByteAlignment() {
        return maxByteAlignment;
    }

    @Override
    public boolean resets() {
        return resets;
    }

    @Override
    public String toString() {
        return name;
    }

    private Probe probe() {
        try (Subject subject = open.apply(PROBE_HEAP_BYTE_SIZE)) {
            subject.enterThread();
            long handle = subject.allocate(64, 8);
            if (handle == 0) {
                return new Probe(Optional.empty(), Optional.of("probe: could not allocate 64 bytes from a fresh "
                        + "subject"));
            }
            subject.touch(handle, 64);
            if (capabilities.contains(Capability.FREES)) {
                subject.free(handle, 64, 8);
            }
            subject.exitThread();
            return new Probe(Optional.empty(), Optional.empty());
        } catch (Throwable failure) {
            if (isLinkageProblem(failure)) {
                return new Probe(Optional.of(describe(failure)), Optional.empty());
            }
            return new Probe(Optional.empty(), Optional.of("probe: " + describe(failure)));
        }
    }

    /**
     * Tells whether a failure means "cannot run here" rather than "broken": an {@link UnsatisfiedLinkError} (a
     * missing native library or symbol) or a {@link NoClassDefFoundError} (a missing class) anywhere in the cause
     * chain. Other linkage errors ({@code NoSuchMethodError}...) mean mismatched jars: a failure.
     *
     * @param failure the failure
     * @return {@code true} for linkage problems
     */
    static boolean isLinkageProblem(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof UnsatisfiedLinkError || t instanceof NoClassDefFoundError) {
                return true;
            }
        }
        return false;
    }

    /**
     * Turns a failure into one line: the root cause's class and message.
     *
     * @param failure the failure
     * @return a one-line reason
     */
    public static String describe(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = String.valueOf(root.getMessage()).lines().findFirst().orElse("");
        return root.getClass().getSimpleName() + ": " + message;
    }

    /** Collects a factory's parts. */
    public static final class Builder {
        private final String name;
        private final String description;
        private final EnumSet<Capability> capabilities = EnumSet.noneOf(Capability.class);
        private LongFunction<Subject> open;
        private LongFunction<Subject> openShared;
        private LongFunction<Subject> openFootprint;
        private long maxByteAlignment = 1L << 32;
        private boolean resets;

        private Builder(String name, String description) {
            this.name = name;
            this.description = description;
        }

        /**
         * Adds capabilities.
         *
         * @param added what the subject can do
         * @return this builder
         */
        public Builder can(Capability... added) {
            capabilities.addAll(java.util.List.of(added));
            return this;
        }

        /**
         * Sets how subjects open.
         *
         * @param opener heap byte size to a fresh subject
         * @return this builder
         */
        public Builder open(LongFunction<Subject> opener) {
            this.open = opener;
            return this;
        }

        /**
         * Sets how subjects shared between threads open (default: like {@link #open}).
         *
         * @param opener heap byte size to a fresh thread-safe subject
         * @return this builder
         */
        public Builder openShared(LongFunction<Subject> opener) {
            this.openShared = opener;
            return this;
        }

        /**
         * Sets how subjects over growable memory open, for footprint measurements; adds
         * {@link Capability#FOOTPRINT}.
         *
         * @param opener maximum memory size to a fresh thread-safe subject over memory that starts empty
         * @return this builder
         */
        public Builder openFootprint(LongFunction<Subject> opener) {
            this.openFootprint = opener;
            capabilities.add(Capability.FOOTPRINT);
            return this;
        }

        /**
         * Sets the largest alignment honoured.
         *
         * @param byteAlignment a power of two
         * @return this builder
         */
        public Builder maxByteAlignment(long byteAlignment) {
            this.maxByteAlignment = byteAlignment;
            return this;
        }

        /**
         * Declares that the subject frees whole rounds with {@link Subject#reset()}.
         *
         * @return this builder
         */
        public Builder resets() {
            this.resets = true;
            return this;
        }

        /**
         * Builds the factory.
         *
         * @return the factory
         */
        public Factory build() {
            if (open == null) {
                throw new IllegalStateException(name + ": no open function");
            }
            return new Factory(this);
        }
    }
}
