package dev.llmj.runtime.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.Kernels;
import dev.llmj.testsupport.SharedAssets;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Once compiled, two-thread decoding allocates only bookkeeping (task objects, small scratch):
 * 23–145 KB per token over all threads on these small models, under {@link #BOUND_PER_TOKEN}.
 * A kernel whose vectors get boxed (a call C2 did not inline, an intrinsic that failed) allocates
 * per weight block instead, megabytes per token here, and runs several times slower while every
 * result stays right, so only this kind of test sees it. Like {@code SteadyStateAllocationTest},
 * rounds are measured until one is under the bound or the deadline passes, so a slow JIT only
 * takes more rounds. (It does not reproduce the boxing that a second vector species caused in one
 * JVM run in three on the 110m shape; {@code OneSpeciesPerElementTypeTest} guards that cause.)
 */
class DecodeAllocationTest {
    private static final long BOUND_PER_TOKEN = 512L << 10;
    private static final long DEADLINE_NANOS = 60_000_000_000L;
    private static final int TOKENS = 32;

    @ParameterizedTest
    @CsvSource({"kq-Q4_0", "kq-Q8_0", "kq-f32"})
    void twoThreadDecodingAllocatesNoVectorsOnceCompiled(String name) throws IOException {
        Path file = SharedAssets.require("reference/quants/" + name + ".gguf");
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (KernelExecutor pool = KernelExecutor.withThreads(2);
                Model m = Model.load(file, null, Kernels.get().withExecutor(pool))) {
            long start = System.nanoTime();
            long perToken;
            do {
                try (Session s = m.newSession(512)) {
                    s.append(new int[] {1, 45, 99, 310});   // ids below the smallest vocabulary (512)
                    for (int i = 0; i < 200; i++) {   // warm-up: compiles the decode path
                        s.append(100 + i);
                    }
                    long before = threads.getTotalThreadAllocatedBytes();
                    for (int i = 0; i < TOKENS; i++) {
                        s.append(300 + i);
                    }
                    perToken = (threads.getTotalThreadAllocatedBytes() - before) / TOKENS;
                }
            } while (perToken >= BOUND_PER_TOKEN && System.nanoTime() - start < DEADLINE_NANOS);
            assertTrue(perToken < BOUND_PER_TOKEN, name + ": " + perToken + " bytes allocated per decoded token"
                    + " on two threads after warm-up (vectors boxed in a kernel?)");
        }
    }
}
