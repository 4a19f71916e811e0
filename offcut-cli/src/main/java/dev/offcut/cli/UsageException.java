package dev.offcut.cli;

import java.io.Serial;

/**
 * A command line the tool cannot run: an unknown option, a missing or malformed value, or a name that matches
 * nothing. The message is one line naming the option and what was expected; the command exits with
 * {@link Main#EXIT_USAGE}.
 */
public final class UsageException extends Exception {

    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message one line naming the option and what is expected
     */
    public UsageException(String message) {
        super(message);
    }
}
