package dev.llmj.rope.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmj.tensor.LE;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Vector dot/axpy against their scalar twins on every length 0..200 and unaligned offsets. */
class AttentionKernelsTest {

    @Test
    void vectorKernelsMatchScalarTwins() {
        Random r = new Random(42);
        try (Arena arena = Arena.ofConfined()) {
            for (int n = 0; n <= 200; n++) {
                long aOff = 4L * r.nextInt(3), bOff = 4L * r.nextInt(3);
                MemorySegment a = arena.allocate(aOff + 4L * n + 4, 64), b = arena.allocate(bOff + 4L * n + 4, 64);
                double exact = 0, absSum = 0;
                for (int i = 0; i < n; i++) {
                    float x = r.nextFloat() * 2 - 1, y = r.nextFloat() * 2 - 1;
                    a.set(LE.FLOAT, aOff + 4L * i, x);
                    b.set(LE.FLOAT, bOff + 4L * i, y);
                    exact += (double) x * y;
                    absSum += Math.abs((double) x * y);
                }
                // Both sums are within n·2^−24·Σ|x·y| of the exact value (standard float summation
                // bound; fma adds no product rounding): each twin is checked against the double sum.
                double bound = (n + 1) * 0x1p-24 * absSum + 1e-30;
                float vec = VectorAttentionKernels.INSTANCE.dot(a, aOff, b, bOff, n);
                float sca = ScalarAttentionKernels.INSTANCE.dot(a, aOff, b, bOff, n);
                assertEquals(exact, vec, bound, "vector dot n=" + n);
                assertEquals(exact, sca, bound, "scalar dot n=" + n);

                MemorySegment y1 = arena.allocate(bOff + 4L * n + 4, 64), y2 = arena.allocate(bOff + 4L * n + 4, 64);
                MemorySegment.copy(b, 0, y1, 0, b.byteSize());
                MemorySegment.copy(b, 0, y2, 0, b.byteSize());
                float alpha = r.nextFloat();
                VectorAttentionKernels.INSTANCE.axpy(alpha, a, aOff, y1, bOff, n);
                ScalarAttentionKernels.INSTANCE.axpy(alpha, a, aOff, y2, bOff, n);
                for (int i = 0; i < n; i++) {
                    // both compute fma(alpha, x, y) per element: bit for bit
                    assertEquals(y2.get(LE.FLOAT, bOff + 4L * i), y1.get(LE.FLOAT, bOff + 4L * i),
                            "axpy n=" + n + " i=" + i);
                }
            }
        }
    }
}
