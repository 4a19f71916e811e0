package dev.offcut.cli;

import java.io.Console;
import java.io.PrintStream;
import java.time.Duration;

/**
 * The live progress line of a run, on stderr: rewritten in place with a carriage return when stderr is a terminal,
 * one plain line per pair otherwise (logs and CI keep every line readable).
 */
public final class Progress {

    /** ANSI "erase to end of line", so a shorter line does not leave the tail of a longer one. */
    private static final String ERASE_LINE_END = "\u001b[K";

    /** Longest progress line on a terminal: the usual 80 columns minus a margin. */
    private static final int MAX_TERMINAL_LINE = 78;

    private final PrintStream err;
    private final boolean terminal;
    private final long startNanos;
    private boolean lineOpen;

    /**
     * Creates a progress line.
     *
     * @param err      where it goes
     * @param terminal whether {@code err} is a terminal that understands carriage returns and ANSI erase
     */
    public Progress(PrintStream err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
        this.startNanos = System.nanoTime();
    }

    /**
     * Tells whether this process talks to a terminal. The JDK cannot ask about stderr alone; an interactive console
     * is the best available sign that stderr is one too.
     *
     * @return {@code true} if there is an interactive console
     */
    public static boolean stderrLooksLikeTerminal() {
        Console console = System.console();
        return console != null && console.isTerminal() && System.getenv("TERM") != null
               && !"dumb".equals(System.getenv("TERM"));
    }

    /**
     * Announces the pair about to run.
     *
     * @param index    1-based number of the pair
     * @param total    number of pairs in the run
     * @param workload the workload's name
     * @param subject  the subject's name
     */
    public synchronized void step(int index, int total, String workload, String subject) {
        String line = "[" + index + "/" + total + "] " + workload + " x " + subject + " ..." + eta(index, total);
        if (terminal) {
            // A line that wraps cannot be rewritten with a carriage return: keep it within a narrow terminal.
            if (line.length() > MAX_TERMINAL_LINE) {
                line = line.substring(0, MAX_TERMINAL_LINE - 3) + "...";
            }
            err.print("\r" + line + ERASE_LINE_END);
            lineOpen = true;
        } else {
            err.println(line);
        }
        err.flush();
    }

    /**
     * Shows a line a child JVM wrote on its stderr (a warning, a crash report), on a line of its own.
     *
     * @param subject the child's subject
     * @param line    the line
     */
    public synchronized void relay(String subject, String line) {
        finish();
        err.println("[" + subject + "] " + line);
        err.flush();
    }

    /** Ends the progress line, so that what follows starts on a clean line. */
    public synchronized void finish() {
        if (terminal && lineOpen) {
            err.print("\r" + ERASE_LINE_END);
            err.flush();
            lineOpen = false;
        }
    }

    private String eta(int index, int total) {
        if (index <= 1) {
            return "";
        }
        long elapsed = System.nanoTime() - startNanos;
        long remainingSeconds = Duration.ofNanos(elapsed / (index - 1) * (total - index + 1)).toSeconds();
        return " (about " + remainingSeconds + " s left)";
    }
}
