package dev.llmj.rope.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmj.tensor.LE;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The batched kernels (scores, weightedSum, softmaxNumerators) against their one-at-a-time forms,
 * bit for bit: that equality is what keeps a prefill batch and decode identical.
 */
class BatchedAttentionKernelsTest {
    static final AttentionKernels[] BOTH = {VectorAttentionKernels.INSTANCE, ScalarAttentionKernels.INSTANCE};

    static MemorySegment random(Arena arena, Random r, long floats) {
        MemorySegment s = arena.allocate(4 * floats, 64);
        for (long i = 0; i < floats; i++) s.set(LE.FLOAT, 4 * i, (float) r.nextGaussian());
        return s;
    }

    @Test
    void scoresAreBitIdenticalToOneDotPerKey() {
        Random r = new Random(7);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[] {4, 8, 16, 24, 32, 40, 64, 100, 128}) {
                int stride = n + 8;     // key rows with a gap, like a kv head inside a wider row
                MemorySegment q = random(arena, r, n + 3), keys = random(arena, r, 70L * stride);
                for (AttentionKernels kern : BOTH) {
                    for (int count = 0; count <= 70; count += (count < 40 ? 1 : 7)) {
                        float scale = 0.125f + count;
                        float[] out = new float[count + 5];
                        kern.scores(q, 12, keys, 4L * 3, 4L * stride, count, n, scale, out, 2);
                        for (int j = 0; j < count; j++) {
                            float one = kern.dot(q, 12, keys, 4L * (3 + (long) j * stride), n) * scale;
                            assertEquals(Float.floatToRawIntBits(one), Float.floatToRawIntBits(out[2 + j]),
                                    kern.getClass().getSimpleName() + " n=" + n + " count=" + count + " key " + j);
                        }
                        assertEquals(0f, out[0]);   // nothing written outside [outOff, outOff + count)
                        assertEquals(0f, out[count + 2]);
                    }
                }
            }
        }
    }

    @Test
    void weightedSumIsBitIdenticalToAxpysInOrder() {
        Random r = new Random(8);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[] {3, 16, 40, 64, 100}) {
                int stride = n + 4;
                MemorySegment values = random(arena, r, 30L * stride);
                for (AttentionKernels kern : BOTH) {
                    for (int queries = 1; queries <= 9; queries++) {
                        for (int count = 0; count <= 30; count += 3) {
                            int ws = count + 2;
                            float[] w = new float[queries * ws + 1];
                            for (int i = 0; i < w.length; i++) w[i] = r.nextFloat();
                            MemorySegment acc = random(arena, r, (long) queries * n);   // starts non-zero
                            MemorySegment expected = arena.allocate(acc.byteSize(), 64);
                            MemorySegment.copy(acc, 0, expected, 0, acc.byteSize());
                            kern.weightedSum(w, 1, ws, queries, values, 8, 4L * stride, count, acc, 0, 4L * n, n);
                            for (int t = 0; t < queries; t++) {
                                for (int j = 0; j < count; j++) {
                                    kern.axpy(w[1 + t * ws + j], values, 8 + 4L * j * stride, expected, 4L * t * n, n);
                                }
                            }
                            for (long i = 0; i < (long) queries * n; i++) {
                                assertEquals(Float.floatToRawIntBits(expected.get(LE.FLOAT, 4 * i)),
                                        Float.floatToRawIntBits(acc.get(LE.FLOAT, 4 * i)),
                                        kern.getClass().getSimpleName() + " n=" + n + " queries=" + queries
                                                + " count=" + count + " float " + i);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The vector softmax numerators against the scalar ExpF loop, bit for bit, rows of 0..1299
     * scores (every masked tail length) with exponents down to −250 (+0 and the subnormal range
     * included), plus −∞, NaN, ±0 and tiny spreads; the sum too (the shared eight-partial order).
     */
    @Test
    void softmaxNumeratorsMatchTheScalarLoopBitForBit() {
        Random r = new Random(9);
        for (int round = 0; round < 2000; round++) {
            int n = r.nextInt(1300);
            float[] s = new float[n + 2];
            double spread = switch (round % 4) {
                case 0 -> 250;        // many below −104 (+0) and in the subnormal range
                case 1 -> 10;
                case 2 -> 1e-3;
                default -> 30;
            };
            for (int i = 0; i < s.length; i++) s[i] = (float) (-r.nextDouble() * spread + 5);
            if (round % 50 == 1 && n > 3) {
                s[2] = Float.NEGATIVE_INFINITY;
                s[3] = -0.0f;
            }
            if (round % 97 == 5 && n > 2) s[1 + r.nextInt(n)] = Float.NaN;
            float[] t = s.clone();
            double a = VectorAttentionKernels.INSTANCE.softmaxNumerators(s, 1, n + 1);
            double b = ScalarAttentionKernels.INSTANCE.softmaxNumerators(t, 1, n + 1);
            assertEquals(Double.doubleToRawLongBits(b), Double.doubleToRawLongBits(a), "sum, round " + round);
            for (int i = 0; i < s.length; i++) {
                assertEquals(Float.floatToRawIntBits(t[i]), Float.floatToRawIntBits(s[i]), "round " + round + " i=" + i);
            }
        }
        float[] allInf = {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY};
        float[] copy = allInf.clone();
        assertEquals(Double.doubleToRawLongBits(ScalarAttentionKernels.INSTANCE.softmaxNumerators(copy, 0, 3)),
                Double.doubleToRawLongBits(VectorAttentionKernels.INSTANCE.softmaxNumerators(allInf, 0, 3)));
    }

    @Test
    void scaleToMatchesTheScalarTwinBitForBit() {
        Random r = new Random(10);
        try (Arena arena = Arena.ofConfined()) {
            for (int n = 0; n <= 70; n++) {
                MemorySegment x = random(arena, r, n + 1);
                MemorySegment y1 = arena.allocate(4L * n + 8, 64), y2 = arena.allocate(4L * n + 8, 64);
                float alpha = r.nextFloat();
                VectorAttentionKernels.INSTANCE.scaleTo(alpha, x, 4, y1, 4, n);
                ScalarAttentionKernels.INSTANCE.scaleTo(alpha, x, 4, y2, 4, n);
                for (int i = 0; i < n + 2; i++) {
                    // one float multiply per element in both: identical
                    assertEquals(Float.floatToRawIntBits(y2.get(LE.FLOAT, 4L * i)),
                            Float.floatToRawIntBits(y1.get(LE.FLOAT, 4L * i)), "n=" + n + " i=" + i);
                }
            }
        }
    }
}
