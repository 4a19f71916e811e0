package dev.offcut.bench.workload;

/**
 * Runs one generation of worker threads to the end: the part of the thread-churn workloads (larson-sized, mstress)
 * that does not depend on the workload. Each worker records its own failure in its slot of {@code failures}; the
 * first one found is rethrown here, on the measuring thread, and every slot is cleared for the next generation.
 */
final class WorkerThreads {

    private WorkerThreads() {
    }

    /**
     * Starts every worker, waits for all of them, and rethrows the first recorded failure.
     *
     * @param workers  the unstarted threads of one generation
     * @param failures one slot per worker, {@code null} unless that worker failed
     * @param what     the workload's name, for the message
     * @throws IllegalStateException if a worker failed or the wait was interrupted
     */
    static void runToEnd(Thread[] workers, Throwable[] failures, String what) {
        for (Thread worker : workers) {
            worker.start();
        }
        try {
            for (Thread worker : workers) {
                worker.join();
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", interrupted);
        }
        for (int t = 0; t < workers.length; t++) {
            if (failures[t] != null) {
                Throwable failure = failures[t];
                failures[t] = null;
                throw new IllegalStateException(what + " thread failed: " + failure, failure);
            }
        }
    }
}
