package dev.offcut.cli;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks the JVM flags the bench subjects need (the bench module's {@code Catalog.JVM_FLAGS}) against this JVM.
 * System properties ({@code -Dkey=value}) can still be set at startup and are; {@code --enable-native-access} and
 * {@code --add-opens} count when in effect however they were given (command line or the jar's manifest); any other
 * flag counts when it is among the JVM's arguments.
 */
final class JvmFlags {

    private static final String ADD_OPENS = "--add-opens=";
    private static final String ENABLE_NATIVE_ACCESS = "--enable-native-access=";

    private JvmFlags() {
    }

    /**
     * Sets the system properties among the flags that are not set yet, before any subject's class reads them.
     *
     * @param flags JVM flags
     */
    static void applySystemProperties(List<String> flags) {
        for (String flag : flags) {
            if (flag.startsWith("-D")) {
                int equals = flag.indexOf('=');
                String key = equals < 0 ? flag.substring(2) : flag.substring(2, equals);
                String value = equals < 0 ? "" : flag.substring(equals + 1);
                if (System.getProperty(key) == null) {
                    System.setProperty(key, value);
                }
            }
        }
    }

    /**
     * Returns the flags that are not in effect in this JVM.
     *
     * @param flags JVM flags
     * @return the missing ones, in order
     */
    static List<String> missing(List<String> flags) {
        List<String> arguments = ManagementFactory.getRuntimeMXBean().getInputArguments();
        Module self = JvmFlags.class.getModule();
        List<String> missing = new ArrayList<>();
        for (String flag : flags) {
            boolean inEffect;
            if (flag.startsWith("-D")) {
                int equals = flag.indexOf('=');
                String key = equals < 0 ? flag.substring(2) : flag.substring(2, equals);
                inEffect = System.getProperty(key) != null;
            } else if (flag.equals(ENABLE_NATIVE_ACCESS + "ALL-UNNAMED") && !self.isNamed()) {
                inEffect = self.isNativeAccessEnabled();
            } else if (flag.startsWith(ADD_OPENS) && flag.endsWith("=ALL-UNNAMED") && !self.isNamed()) {
                String target = flag.substring(ADD_OPENS.length(), flag.length() - "=ALL-UNNAMED".length());
                int slash = target.indexOf('/');
                inEffect = slash > 0 && ModuleLayer.boot().findModule(target.substring(0, slash))
                        .map(m -> m.isOpen(target.substring(slash + 1), self)).orElse(false);
            } else {
                inEffect = arguments.contains(flag);
            }
            if (!inEffect) {
                missing.add(flag);
            }
        }
        return missing;
    }
}
