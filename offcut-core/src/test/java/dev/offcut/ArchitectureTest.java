package dev.offcut;

import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The package map of {@code dev.offcut.internal}'s {@code package-info} as checks on the compiled classes, the way
 * {@code jdeps -verbose:class} sees them: every type a class file names (in class references, field and method
 * descriptors and generic signatures) counts as a dependency. Nested classes count as their top-level class.
 */
class ArchitectureTest {

    private static final Pattern OFFCUT_TYPE = Pattern.compile("dev/offcut/[A-Za-z0-9_/]+");
    /** Each class's direct supertypes (superclass and interfaces), top-level names. */
    private static final Map<String, Set<String>> SUPERTYPES = new TreeMap<>();
    private static final Map<String, Set<String>> DEPENDENCIES = readDependencies();

    /** The memory layer and the shared helpers stand below the allocator API: they must not name any allocator. */
    @Test
    void theMemoryLayerAndTheSharedHelpersDoNotDependOnAllocators() {
        Map<String, Set<String>> violations = new TreeMap<>();
        DEPENDENCIES.forEach((from, targets) -> {
            boolean lowLayer = from.startsWith("dev.offcut.internal.memory.")
                    || from.equals("dev.offcut.internal.Checks") || from.equals("dev.offcut.internal.MemorySegments");
            if (!lowLayer) {
                return;
            }
            for (String to : targets) {
                boolean allowed = to.equals("dev.offcut.LinearMemory") || to.startsWith("dev.offcut.internal.memory.")
                        || to.equals("dev.offcut.internal.Checks") || to.equals("dev.offcut.internal.MemorySegments");
                if (!allowed) {
                    violations.computeIfAbsent(from, k -> new TreeSet<>()).add(to);
                }
            }
        });
        assertTrue(violations.isEmpty(), () -> "the low layer reaches up: " + violations);
        assertTrue(DEPENDENCIES.containsKey("dev.offcut.internal.memory.NativeLinearMemory"),
                "the scan found the memory classes: " + DEPENDENCIES.keySet());
    }

    /** The public API decides by asking, never by testing for an implementation class. */
    @Test
    void offcutArenaKnowsNoImplementation() {
        Set<String> targets = DEPENDENCIES.get("dev.offcut.OffcutArena");
        assertFalse(targets.stream().anyMatch(t -> t.startsWith("dev.offcut.internal.")
                        && !t.equals("dev.offcut.internal.Checks") && !t.equals("dev.offcut.internal.MemorySegments")),
                () -> "OffcutArena names an implementation: " + targets);
    }

    /** Every package of the core has a package-info with its map. */
    @Test
    void everyPackageHasAPackageInfo() {
        Set<String> packages = new TreeSet<>();
        for (String type : DEPENDENCIES.keySet()) {
            packages.add(type.substring(0, type.lastIndexOf('.')));
        }
        List<String> missing = new ArrayList<>();
        for (String p : packages) {
            if (!Files.exists(classesRoot().resolve(p.replace('.', '/')).resolve("package-info.class"))) {
                missing.add(p);
            }
        }
        assertEquals(List.of(), missing, "packages without a package-info");
    }

    /**
     * Finds the classes of {@code packageName} that depend on each other in a cycle.
     *
     * @param packageName the package, e.g. {@code dev.offcut.internal.binned}
     * <p>A sealed type names its permitted subtypes, which name it back as their supertype: that is the JDK's own
     * shape for a closed family (sealed {@code permits}), not a tangle, so the edge from a type to its own subtypes
     * is left out.
     *
     * @return the strongly connected components with more than one class
     */
    static List<Set<String>> cyclesIn(String packageName) {
        Map<String, Set<String>> graph = new HashMap<>();
        DEPENDENCIES.forEach((from, targets) -> {
            if (from.startsWith(packageName + ".") && from.indexOf('.', packageName.length() + 1) < 0) {
                Set<String> inside = new HashSet<>();
                for (String to : targets) {
                    boolean toASubtype = SUPERTYPES.getOrDefault(to, Set.of()).contains(from);
                    if (!toASubtype && to.startsWith(packageName + ".") && to.indexOf('.', packageName.length() + 1) < 0) {
                        inside.add(to);
                    }
                }
                graph.put(from, inside);
            }
        });
        return new Tarjan(graph).components();
    }

    /** Parts of one package depend in one direction: the core's packages have no cycle between their classes. */
    @Test
    void noPackageOfTheCoreHasACycleBetweenItsClasses() {
        Map<String, List<Set<String>>> cycles = new TreeMap<>();
        for (String p : List.of("dev.offcut.internal", "dev.offcut.internal.memory", "dev.offcut.internal.simple",
                "dev.offcut.internal.binned", "dev.offcut.internal.concurrent", "dev.offcut.internal.debug")) {
            List<Set<String>> found = cyclesIn(p);
            if (!found.isEmpty()) {
                cycles.put(p, found);
            }
        }
        assertEquals(Map.of(), cycles);
    }

    @Test
    void theCycleFinderFindsCycles() {
        Map<String, Set<String>> graph = Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "d", Set.of("a"));
        assertEquals(List.of(Set.of("a", "b", "c")), new Tarjan(graph).components());
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static Path classesRoot() {
        try {
            return Path.of(Allocator.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Set<String>> readDependencies() {
        Map<String, Set<String>> dependencies = new TreeMap<>();
        try (Stream<Path> files = Files.walk(classesRoot())) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                String name = classesRoot().relativize(file).toString().replace('\\', '/');
                if (name.equals("module-info.class") || name.endsWith("package-info.class")) {
                    continue;
                }
                String from = topLevel(name.substring(0, name.length() - ".class".length()));
                Set<String> targets = dependencies.computeIfAbsent(from, k -> new TreeSet<>());
                ClassFile parsed = parse(file);
                if (from.equals(topLevel(parsed.thisName))) {
                    SUPERTYPES.computeIfAbsent(from, k -> new TreeSet<>()).addAll(
                            parsed.supertypes.stream().map(ArchitectureTest::topLevel).toList());
                }
                for (String utf8 : parsed.utf8) {
                    Matcher m = OFFCUT_TYPE.matcher(utf8);
                    while (m.find()) {
                        String to = topLevel(m.group());
                        if (!to.equals(from)) {
                            targets.add(to);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return dependencies;
    }

    private static String topLevel(String internalName) {
        int nested = internalName.indexOf('$');
        return (nested < 0 ? internalName : internalName.substring(0, nested)).replace('/', '.');
    }

    /** What the checks read of a class file: the UTF-8 constants, its own name and its direct supertypes. */
    private record ClassFile(List<String> utf8, String thisName, List<String> supertypes) {
    }

    /** Reads the constant pool (JVMS 4.4), this class, the superclass and the interfaces (JVMS 4.1). */
    private static ClassFile parse(Path classFile) throws IOException {
        List<String> strings = new ArrayList<>();
        Map<Integer, String> utf8At = new HashMap<>();
        Map<Integer, Integer> classNameIndexAt = new HashMap<>();
        try (InputStream in = Files.newInputStream(classFile); DataInputStream data = new DataInputStream(in)) {
            data.readInt(); // magic
            data.readUnsignedShort(); // minor
            data.readUnsignedShort(); // major
            int count = data.readUnsignedShort();
            for (int i = 1; i < count; i++) {
                int tag = data.readUnsignedByte();
                switch (tag) {
                    case 1 -> {
                        String utf8 = data.readUTF();
                        strings.add(utf8);
                        utf8At.put(i, utf8);
                    }
                    case 7 -> classNameIndexAt.put(i, data.readUnsignedShort());
                    case 8, 16, 19, 20 -> data.readUnsignedShort();
                    case 15 -> {
                        data.readUnsignedByte();
                        data.readUnsignedShort();
                    }
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> data.readInt();
                    case 5, 6 -> {
                        data.readLong();
                        i++; // 8-byte constants take two slots
                    }
                    default -> throw new IOException("unknown constant tag " + tag + " in " + classFile);
                }
            }
            data.readUnsignedShort(); // access flags
            String thisName = utf8At.get(classNameIndexAt.get(data.readUnsignedShort()));
            List<String> supertypes = new ArrayList<>();
            int superIndex = data.readUnsignedShort();
            if (superIndex != 0) {
                supertypes.add(utf8At.get(classNameIndexAt.get(superIndex)));
            }
            int interfaces = data.readUnsignedShort();
            for (int k = 0; k < interfaces; k++) {
                supertypes.add(utf8At.get(classNameIndexAt.get(data.readUnsignedShort())));
            }
            return new ClassFile(strings, thisName, supertypes);
        }
    }

    /** Tarjan's strongly connected components, iterative enough for a package. */
    private static final class Tarjan {
        private final Map<String, Set<String>> graph;
        private final Map<String, Integer> index = new HashMap<>();
        private final Map<String, Integer> low = new HashMap<>();
        private final Deque<String> stack = new ArrayDeque<>();
        private final Set<String> onStack = new HashSet<>();
        private final List<Set<String>> components = new ArrayList<>();
        private int next;

        Tarjan(Map<String, Set<String>> graph) {
            this.graph = graph;
        }

        List<Set<String>> components() {
            for (String node : new TreeSet<>(graph.keySet())) {
                if (!index.containsKey(node)) {
                    visit(node);
                }
            }
            return components;
        }

        private void visit(String node) {
            index.put(node, next);
            low.put(node, next);
            next++;
            stack.push(node);
            onStack.add(node);
            for (String to : graph.getOrDefault(node, Set.of())) {
                if (!index.containsKey(to)) {
                    visit(to);
                    low.put(node, Math.min(low.get(node), low.get(to)));
                } else if (onStack.contains(to)) {
                    low.put(node, Math.min(low.get(node), index.get(to)));
                }
            }
            if (low.get(node).equals(index.get(node))) {
                Set<String> component = new TreeSet<>();
                String member;
                do {
                    member = stack.pop();
                    onStack.remove(member);
                    component.add(member);
                } while (!member.equals(node));
                if (component.size() > 1) {
                    components.add(component);
                }
            }
        }
    }
}
