package dev.llmj.rope.attention;

import dev.llmj.testsupport.SteadyAllocation;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * Once compiled, the vector attention kernels that prefill and decode call per query allocate
 * nothing: a vector crossing a call C2 did not inline (the float exp inside the softmax, a fold
 * step of the scores) would be boxed on every block ({@link SteadyAllocation}).
 */
class AttentionAllocationTest {
    private double sink;

    @Test
    void softmaxNumeratorsAndScoresAllocateNothing() {
        VectorAttentionKernels kern = VectorAttentionKernels.INSTANCE;
        int keys = 45, hd = 64;   // 45: whole blocks and a masked / partial last block
        float[] src = new float[keys];
        for (int i = 0; i < keys; i++) src[i] = (i % 9) * 0.75f - 3f;
        float[] s = new float[keys + 3];
        SteadyAllocation.assertNothing("softmaxNumerators", () -> {
            System.arraycopy(src, 0, s, 1, keys);
            sink += kern.softmaxNumerators(s, 1, keys + 1);
        });
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment q = arena.allocate(4L * hd, 64);
            MemorySegment k = arena.allocate(4L * hd * keys, 64);
            for (int i = 0; i < hd; i++) q.setAtIndex(ValueLayout.JAVA_FLOAT, i, (i % 5) * 0.1f);
            for (int i = 0; i < hd * keys; i++) k.setAtIndex(ValueLayout.JAVA_FLOAT, i, (i % 7) * 0.1f - 0.3f);
            float[] out = new float[keys];
            SteadyAllocation.assertNothing("scores", () -> {
                kern.scores(q, 0, k, 0, 4L * hd, keys, hd, 0.125f, out, 0);
                sink += out[keys - 1];
            });
        }
    }
}
