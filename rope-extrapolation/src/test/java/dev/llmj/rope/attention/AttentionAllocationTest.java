package dev.llmj.rope.attention;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * Once compiled, the vector attention kernels that prefill and decode call per query allocate
 * nothing: a vector crossing a call C2 did not inline (the float exp inside the softmax, a fold
 * step of the scores) would be boxed on every block. Rounds of calls are measured after a warm-up
 * until one allocates under the bound, or a deadline passes (see the kernels'
 * SteadyStateAllocationTest for the same scheme).
 */
class AttentionAllocationTest {
    private static final int CALLS = 1_000;
    private static final long BOUND_BYTES = 1_000;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private double sink;

    private static void assertAllocatesNothingOnceCompiled(String kernel, Runnable call) {
        for (int i = 0; i < 20_000; i++) {
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
        } while (bytes >= BOUND_BYTES && System.nanoTime() - start < 60_000_000_000L);
        assertTrue(bytes < BOUND_BYTES, kernel + ": " + bytes + " bytes in " + CALLS + " calls after warm-up (vectors boxed?)");
    }

    @Test
    void softmaxNumeratorsAndScoresAllocateNothing() {
        VectorAttentionKernels kern = VectorAttentionKernels.INSTANCE;
        int keys = 45, hd = 64;   // 45: whole blocks and a masked / partial last block
        float[] src = new float[keys];
        for (int i = 0; i < keys; i++) src[i] = (i % 9) * 0.75f - 3f;
        float[] s = new float[keys + 3];
        assertAllocatesNothingOnceCompiled("softmaxNumerators", () -> {
            System.arraycopy(src, 0, s, 1, keys);
            sink += kern.softmaxNumerators(s, 1, keys + 1);
        });
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment q = arena.allocate(4L * hd, 64);
            MemorySegment k = arena.allocate(4L * hd * keys, 64);
            for (int i = 0; i < hd; i++) q.setAtIndex(ValueLayout.JAVA_FLOAT, i, (i % 5) * 0.1f);
            for (int i = 0; i < hd * keys; i++) k.setAtIndex(ValueLayout.JAVA_FLOAT, i, (i % 7) * 0.1f - 0.3f);
            float[] out = new float[keys];
            assertAllocatesNothingOnceCompiled("scores", () -> {
                kern.scores(q, 0, k, 0, 4L * hd, keys, hd, 0.125f, out, 0);
                sink += out[keys - 1];
            });
        }
    }
}
