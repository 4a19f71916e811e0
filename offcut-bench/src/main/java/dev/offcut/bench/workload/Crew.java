package dev.offcut.bench.workload;

import dev.offcut.bench.Subject;

import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Platform threads that live as long as the workload and run one task each per round, started and awaited through
 * two barriers (waiting threads park, so idle ones cost no processor on this 2-core machine). Each thread calls
 * {@link Subject#enterThread()} once when it starts and {@link Subject#exitThread()} when the crew closes, so
 * per-thread caches (rpmalloc's heap, Netty's and jemalloc's thread caches) persist across rounds, as in a server's
 * thread pool.
 */
final class Crew implements AutoCloseable {

    /** One thread's share of a round. */
    @FunctionalInterface
    interface Task {
        void run(int index) throws Exception;
    }

    private final Thread[] threads;
    private final CyclicBarrier start;
    private final CyclicBarrier end;
    private final Throwable[] failures;
    private volatile boolean failed;
    private volatile boolean closing;

    /**
     * Starts the threads.
     *
     * @param subject the subject every thread enters
     * @param count   how many threads
     * @param name    the threads' name prefix
     * @param task    what each thread does in a round
     */
    Crew(Subject subject, int count, String name, Task task) {
        threads = new Thread[count];
        failures = new Throwable[count];
        start = new CyclicBarrier(count + 1);
        end = new CyclicBarrier(count + 1);
        for (int i = 0; i < count; i++) {
            int index = i;
            threads[i] = Thread.ofPlatform().daemon().name(name + "-" + i).start(() -> {
                subject.enterThread();
                try {
                    while (true) {
                        start.await();
                        if (closing) {
                            break;
                        }
                        try {
                            task.run(index);
                        } catch (Throwable failure) {
                            failures[index] = failure;
                            failed = true;
                        }
                        end.await();
                    }
                } catch (InterruptedException | BrokenBarrierException stopped) {
                    // Closing after a failure: nothing more to run.
                } finally {
                    subject.exitThread();
                }
            });
        }
    }

    /**
     * Runs one round on every thread and waits for all of them.
     *
     * @throws IllegalStateException with the first thread's failure as cause, when one failed
     */
    void run() {
        try {
            start.await();
            end.await();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", interrupted);
        } catch (BrokenBarrierException broken) {
            throw new IllegalStateException("a crew thread stopped", broken);
        }
        if (failed) {
            for (Throwable failure : failures) {
                if (failure != null) {
                    throw new IllegalStateException("a crew thread failed: " + failure, failure);
                }
            }
        }
    }

    /**
     * Waits a little, for a thread waiting on another (see {@link SpscRing#idle}), and gives up when a thread of the
     * crew failed, so its partners do not wait forever.
     *
     * @param attempt how many times in a row the caller has waited
     */
    void idle(int attempt) {
        if (failed) {
            throw new IllegalStateException("another crew thread failed");
        }
        SpscRing.idle(attempt);
    }

    /** Tells whether a thread failed in this round (for waits that are not in {@link #idle}). */
    boolean failed() {
        return failed;
    }

    /** Stops the threads (they exit the subject) and waits for them. */
    @Override
    public void close() {
        closing = true;
        try {
            start.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        } catch (BrokenBarrierException | TimeoutException stopped) {
            start.reset();
        }
        for (Thread thread : threads) {
            try {
                thread.join(10_000);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
