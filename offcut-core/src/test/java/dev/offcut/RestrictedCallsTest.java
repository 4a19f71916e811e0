package dev.offcut;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The module's restricted calls stay in one class, {@code dev.offcut.internal.memory.Posix}, so that what
 * {@code --enable-native-access=dev.offcut} grants is visible in one file. A class file names every method it calls
 * in its constant pool, so a restricted method's name there is a call to it (or to a method of the same name).
 */
class RestrictedCallsTest {

    /** The names of the restricted methods of Java 25's {@code java.lang.foreign}, and of native library loading. */
    private static final List<String> RESTRICTED = List.of("reinterpret", "withTargetLayout", "downcallHandle",
            "upcallStub", "libraryLookup", "enableNativeAccess", "loadLibrary");
    private static final String ONE_CLASS = "dev/offcut/internal/memory/Posix.class";

    @Test
    void onlyPosixNamesARestrictedMethod() throws IOException {
        Path root = classesRoot();
        Map<String, Set<String>> callers = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                for (String name : RESTRICTED) {
                    if (bytes.contains(utf8Constant(name))) {
                        callers.computeIfAbsent(name, k -> new TreeSet<>())
                                .add(root.relativize(file).toString().replace('\\', '/'));
                    }
                }
            }
        }
        assertEquals(Set.of(ONE_CLASS), callers.get("reinterpret"), "the scan finds Posix's own reinterpret");
        callers.values().forEach(classes -> classes.remove(ONE_CLASS));
        callers.values().removeIf(Set::isEmpty);
        assertTrue(callers.isEmpty(), () -> "restricted methods named outside Posix: " + callers);
    }

    /** A CONSTANT_Utf8 entry as it sits in a class file: tag 1, a big-endian u2 length, the (ASCII) bytes. */
    private static String utf8Constant(String ascii) {
        return "\u0001" + (char) (ascii.length() >>> 8) + (char) (ascii.length() & 0xFF) + ascii;
    }

    private static Path classesRoot() {
        try {
            return Path.of(Allocator.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
