package dev.offcut.cli;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * A small streaming JSON writer with two-space indentation. Callers nest {@code begin*}/{@code end*} calls;
 * the writer places commas and colons, escapes strings, and writes non-finite numbers as {@code null} (JSON has no
 * NaN). Misuse (a value where a name is due, unbalanced ends) throws {@link IllegalStateException}.
 */
public final class JsonWriter {

    private enum Scope { ARRAY, OBJECT }

    private final StringBuilder out = new StringBuilder();
    private final Deque<Scope> scopes = new ArrayDeque<>();
    /** Whether the innermost scope already holds an element, i.e. the next one needs a comma. */
    private final Deque<Boolean> nonEmpty = new ArrayDeque<>();
    private final boolean pretty;
    private boolean nameWritten;
    private boolean done;

    /** Creates a writer for one top-level value, indented. */
    public JsonWriter() {
        this(true);
    }

    private JsonWriter(boolean pretty) {
        this.pretty = pretty;
    }

    /**
     * Creates a writer that puts the whole document on one line (for line-based protocols).
     *
     * @return the writer
     */
    public static JsonWriter compact() {
        return new JsonWriter(false);
    }

    /**
     * Starts an object.
     *
     * @return this writer
     */
    public JsonWriter beginObject() {
        beforeValue();
        out.append('{');
        scopes.push(Scope.OBJECT);
        nonEmpty.push(false);
        return this;
    }

    /**
     * Ends the innermost object.
     *
     * @return this writer
     */
    public JsonWriter endObject() {
        return end(Scope.OBJECT, '}');
    }

    /**
     * Starts an array.
     *
     * @return this writer
     */
    public JsonWriter beginArray() {
        beforeValue();
        out.append('[');
        scopes.push(Scope.ARRAY);
        nonEmpty.push(false);
        return this;
    }

    /**
     * Ends the innermost array.
     *
     * @return this writer
     */
    public JsonWriter endArray() {
        return end(Scope.ARRAY, ']');
    }

    /**
     * Writes the name of the next member of the innermost object.
     *
     * @param name the member name
     * @return this writer
     */
    public JsonWriter name(String name) {
        if (scopes.peek() != Scope.OBJECT || nameWritten) {
            throw new IllegalStateException("a name belongs directly inside an object, before its value");
        }
        separate();
        string(name);
        out.append(pretty ? ": " : ":");
        nameWritten = true;
        return this;
    }

    /**
     * Writes a string, or {@code null}.
     *
     * @param value the string
     * @return this writer
     */
    public JsonWriter value(String value) {
        beforeValue();
        if (value == null) {
            out.append("null");
        } else {
            string(value);
        }
        afterScalar();
        return this;
    }

    /**
     * Writes a number; NaN and infinities become {@code null}.
     *
     * @param value the number
     * @return this writer
     */
    public JsonWriter value(double value) {
        beforeValue();
        if (!Double.isFinite(value)) {
            out.append("null");
        } else if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            out.append((long) value);
        } else {
            // Java's shortest round-trip form ("23.45", "1.0E-7") is valid JSON.
            out.append(value);
        }
        afterScalar();
        return this;
    }

    /**
     * Writes an integer.
     *
     * @param value the number
     * @return this writer
     */
    public JsonWriter value(long value) {
        beforeValue();
        out.append(value);
        afterScalar();
        return this;
    }

    /**
     * Writes a boolean.
     *
     * @param value the boolean
     * @return this writer
     */
    public JsonWriter value(boolean value) {
        beforeValue();
        out.append(value);
        afterScalar();
        return this;
    }

    /**
     * Writes an array of numbers.
     *
     * @param values the numbers
     * @return this writer
     */
    public JsonWriter value(double[] values) {
        beginArray();
        for (double v : values) {
            value(v);
        }
        return endArray();
    }

    /**
     * Returns the document.
     *
     * @return the JSON text
     * @throws IllegalStateException if an object or array is still open, or nothing was written
     */
    public String toJson() {
        if (!scopes.isEmpty() || !done) {
            throw new IllegalStateException("the JSON document is incomplete");
        }
        return out.toString();
    }

    private JsonWriter end(Scope scope, char close) {
        if (scopes.peek() != scope || nameWritten) {
            throw new IllegalStateException("unbalanced end of " + scope.name().toLowerCase(Locale.ROOT));
        }
        scopes.pop();
        boolean hadElements = nonEmpty.pop();
        if (hadElements) {
            newline();
        }
        out.append(close);
        if (scopes.isEmpty()) {
            done = true;
        }
        return this;
    }

    private void beforeValue() {
        if (done) {
            throw new IllegalStateException("a JSON document has one top-level value");
        }
        if (scopes.peek() == Scope.OBJECT) {
            if (!nameWritten) {
                throw new IllegalStateException("a value inside an object needs a name first");
            }
            nameWritten = false;
        } else if (scopes.peek() == Scope.ARRAY) {
            separate();
        } else if (!out.isEmpty()) {
            throw new IllegalStateException("a JSON document has one top-level value");
        }
    }

    /** A scalar at top level is the whole document; containers complete in {@link #end}. */
    private void afterScalar() {
        if (scopes.isEmpty()) {
            done = true;
        }
    }

    private void separate() {
        if (nonEmpty.pop()) {
            out.append(',');
        }
        nonEmpty.push(true);
        newline();
    }

    private void newline() {
        if (pretty) {
            out.append('\n').append("  ".repeat(scopes.size()));
        }
    }

    private void string(String value) {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
