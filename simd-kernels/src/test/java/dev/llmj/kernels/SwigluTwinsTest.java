package dev.llmj.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llmj.tensor.LE;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Vector swiglu equals the scalar twin bit for bit: both compute g / (1 + ExpF.exp(−g)) · u, the
 * vector exp is lane-wise the scalar one, and division and product round once each.
 */
class SwigluTwinsTest {

    @Test
    void vectorSwigluIsBitIdenticalToScalar() {
        assumeTrue(Kernels.vectorModulePresent(), "jdk.incubator.vector not present");
        Random r = new Random(3);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[] {0, 1, 15, 16, 17, 100, 1000, 4099}) {
                MemorySegment g = arena.allocate(4L * n + 8, 64), u = arena.allocate(4L * n + 8, 64);
                for (int i = 0; i < n; i++) {
                    // gates from tiny to beyond exp's clamps (±104, ±88.7)
                    g.set(LE.FLOAT, 4 + 4L * i, (float) (r.nextGaussian() * (i % 3 == 0 ? 60 : 3)));
                    u.set(LE.FLOAT, 4L * i, (float) r.nextGaussian());
                }
                MemorySegment a = arena.allocate(4L * n + 8, 64), b = arena.allocate(4L * n + 8, 64);
                Kernels.vector().swiglu(a, 8, g, 4, u, 0, n);
                Kernels.scalar().swiglu(b, 8, g, 4, u, 0, n);
                for (int i = 0; i < n; i++) {
                    assertEquals(Float.floatToRawIntBits(b.get(LE.FLOAT, 8 + 4L * i)),
                            Float.floatToRawIntBits(a.get(LE.FLOAT, 8 + 4L * i)), "n=" + n + " i=" + i);
                }
            }
        }
    }
}
