package dev.llmj.testsupport;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;

/**
 * Asserts that a warmed-up call allocates (almost) nothing: the check behind the kernels'
 * "no boxed vectors" tests. A vector that crosses a method call C2 did not inline is boxed (a
 * heap object plus its lane array, ≥ 48 bytes at 128 bits, 96 at 512), so a kernel that boxes
 * allocates at least that much on every call, which costs 2–10× in speed and shows in no result.
 *
 * <p>Robust against JIT timing: after a warm-up, rounds of {@link #CALLS} calls are measured
 * until one allocates less than the bound (then the compiled form is within it) or a minute
 * passes (then it fails, reporting the last round). A slow or busy machine only takes more
 * rounds; a kernel that boxes never gets below the bound.
 */
public final class SteadyAllocation {
    private SteadyAllocation() {}

    /** Calls per measured round. */
    public static final int CALLS = 1_000;
    /**
     * Less than one byte per call on average, far below one boxed vector per call (≥ 48 B); the
     * slack is for anything the JVM itself might allocate on this thread once in a while.
     */
    public static final long NOTHING = 1_000;

    private static final int WARMUP_CALLS = 20_000;
    private static final long DEADLINE_NANOS = 60_000_000_000L;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** {@link #CALLS} warmed-up calls of {@code call} allocate less than {@code boundBytes} in all. */
    public static void assertUnder(String what, long boundBytes, Runnable call) {
        for (int i = 0; i < WARMUP_CALLS; i++) {
            call.run();
        }
        long start = System.nanoTime();
        long bytes;
        do {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < CALLS; i++) {
                call.run();
            }
            bytes = THREADS.getCurrentThreadAllocatedBytes() - before;
        } while (bytes >= boundBytes && System.nanoTime() - start < DEADLINE_NANOS);
        assertTrue(bytes < boundBytes, what + ": " + bytes + " bytes allocated in " + CALLS
                + " calls after warm-up (vectors boxed?)");
    }

    /** {@link #assertUnder} with the bound {@link #NOTHING}. */
    public static void assertNothing(String what, Runnable call) {
        assertUnder(what, NOTHING, call);
    }
}
