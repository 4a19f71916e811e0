package dev.offcut;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;

import java.lang.reflect.Method;

/**
 * Turns an {@link OutOfMemoryError} escaping a test into an ordinary test failure.
 *
 * <p>Why: allocators report exhaustion with {@link OutOfMemoryError}, and the JUnit platform treats that error as
 * unrecoverable: it rethrows it and the whole surefire fork dies, hiding every other result. An allocator that runs out
 * where it should not is a failed test, not a dead JVM.
 */
@SuppressWarnings("exports") // its signatures use JUnit types
public final class OutOfMemoryAsFailure implements InvocationInterceptor {

    /** Creates the extension (JUnit instantiates it). */
    public OutOfMemoryAsFailure() {
    }

    @Override
    public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> invocationContext,
            ExtensionContext extensionContext) throws Throwable {
        proceed(invocation);
    }

    @Override
    public void interceptTestTemplateMethod(Invocation<Void> invocation,
            ReflectiveInvocationContext<Method> invocationContext, ExtensionContext extensionContext)
            throws Throwable {
        proceed(invocation);
    }

    private static void proceed(Invocation<Void> invocation) throws Throwable {
        try {
            invocation.proceed();
        } catch (OutOfMemoryError e) {
            throw new AssertionError("unexpected OutOfMemoryError: " + e.getMessage(), e);
        }
    }
}
