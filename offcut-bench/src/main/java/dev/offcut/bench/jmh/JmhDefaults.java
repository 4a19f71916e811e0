package dev.offcut.bench.jmh;

import dev.offcut.bench.Catalog;

import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The run settings every Offcut benchmark shares, in one place: JMH reads {@link Fork}, {@link Warmup} and
 * {@link Measurement} from a benchmark's superclasses, so each benchmark class extends this one instead of repeating
 * them. The forks get the flags of {@link Catalog#JVM_FLAGS} (the same list, spelled as constants because annotation
 * values must be).
 */
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {Catalog.FLAG_NATIVE_ACCESS, Catalog.FLAG_UNSAFE_MEMORY_ACCESS, Catalog.FLAG_OPEN_NIO,
        Catalog.FLAG_OPEN_MISC, Catalog.FLAG_NETTY_REFLECTION, "-Xmx2g"})
public abstract class JmhDefaults {

    /** For subclasses. */
    protected JmhDefaults() {
    }
}
