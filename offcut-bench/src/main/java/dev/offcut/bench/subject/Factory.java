package dev.offcut.bench.subject;

import dev.offcut.bench.Capability;
import dev.offcut.bench.Subject;
import dev.offcut.bench.SubjectFactory;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongFunction;

/**
 * A {@link SubjectFactory} assembled from functions. Whether it can run is found out once, by opening a small
 * subject and allocating, touching and freeing one block: any throwable (a missing native library, a refused
 * {@code Unsafe}, a method the core does not have yet) becomes the {@link #unavailableReason()}.
 */
public final class Factory implements SubjectFactory {

    private static final long PROBE_HEAP_BYTE_SIZE = 1L << 20;

    private final String name;
    private final String description;
    private final Set<Capability> capabilities;
    private final LongFunction<Subject> open;
    private final LongFunction<Subject> openShared;
    private final long maxByteAlignment;
    private final boolean resets;
    private final String fixedReason;
    private volatile Optional<String> unavailableReason;

    private Factory(Builder builder) {
        this.name = builder.name;
        this.description = builder.description;
        this.capabilities = java.util.Collections.unmodifiableSet(EnumSet.copyOf(builder.capabilities));
        this.open = builder.open;
        this.openShared = builder.openShared != null ? builder.openShared : builder.open;
        this.maxByteAlignment = builder.maxByteAlignment;
        this.resets = builder.resets;
        this.fixedReason = builder.unavailableReason;
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
        Optional<String> reason = unavailableReason;
        if (reason == null) {
            reason = probe();
            unavailableReason = reason;
        }
        return reason;
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

    private Optional<String> probe() {
        if (fixedReason != null) {
            return Optional.of(fixedReason);
        }
        try (Subject subject = open.apply(PROBE_HEAP_BYTE_SIZE)) {
            subject.enterThread();
            long handle = subject.allocate(64, 8);
            if (handle == 0) {
                return Optional.of("could not allocate 64 bytes from a fresh subject");
            }
            subject.touch(handle, 64);
            if (capabilities.contains(Capability.FREES)) {
                subject.free(handle, 64, 8);
            }
            return Optional.empty();
        } catch (Throwable failure) {
            return Optional.of(describe(failure));
        }
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
        private long maxByteAlignment = 1L << 32;
        private boolean resets;
        private String unavailableReason;

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
         * Marks the subject as unable to run, whatever a probe would say.
         *
         * @param reason why
         * @return this builder
         */
        public Builder unavailable(String reason) {
            this.unavailableReason = reason;
            return this;
        }

        /**
         * Builds the factory.
         *
         * @return the factory
         */
        public Factory build() {
            if (open == null) {
                open = heapByteSize -> {
                    throw new UnsupportedOperationException(unavailableReason);
                };
            }
            return new Factory(this);
        }
    }
}
