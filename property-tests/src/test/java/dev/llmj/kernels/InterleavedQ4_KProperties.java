package dev.llmj.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import dev.llmj.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The interleaved Q4_K GEMV against its specification, computed here straight from the source
 * Q4_K bytes (ggml's layout, the 6-bit scales and mins unpacked independently of the codec): per
 * 32-column sub-block S = Σ q·x_q and X = Σ x_q (exact), then acc = fma(f16(d)·f16(d_x), sc·S,
 * acc) and acc = fma(−(f16(dmin)·f16(d_x)), m·X, acc), with x quantized to Q8_0 by the scalar
 * quantizer. Both implementations must give those bits for every (row, vector).
 *
 * <p>Weights are random bytes (every nibble, scale and min) with random finite d and dmin
 * (normal, subnormal, zero, negative) at unaligned offsets; rows 1..70 cover partial tiles and
 * several row groups split across threads; activations mix zeros, subnormals and magnitudes up to
 * 1e6 at unaligned offsets.
 */
class InterleavedQ4_KProperties {

    @Property(tries = 100)
    void everyResultIsTheSpecificationBitForBit(@ForAll @IntRange(min = 1, max = 70) int rows,
            @ForAll @IntRange(min = 1, max = 2) int superBlocks, @ForAll @IntRange(min = 1, max = 5) int b,
            @ForAll @IntRange(max = 17) int wOff, @ForAll @IntRange(max = 3) int xPad, @ForAll boolean wide,
            @ForAll long seed) {
        Random r = new Random(seed);
        // 6 super-blocks and up (27.75 KiB per row group) are read two groups at a time
        int cols = 256 * (wide ? 5 + superBlocks : superBlocks);
        try (Arena arena = Arena.ofShared()) {
            Tensor w = TestData.shifted(arena, randomQ4_K(arena, r, rows, cols), wOff);
            float[] x = TestData.quantizableVectors(r, b, cols);
            long xOff = 4L * xPad;
            MemorySegment xs = TestData.f32(arena, x, xOff);
            long stride = 34L * cols / 32;
            MemorySegment xq = TestData.q8_0Vectors(arena, xs, xOff, b, cols);
            for (Kernels k : TestData.implementationsWithOneThread()) {
                InterleavedQ4_K iw = InterleavedQ4_K.of(w, arena, k.executor());
                MemorySegment ys = arena.allocate(4L * b * rows, 64);
                k.gemvBatch(iw, xs, xOff, b, ys, 0);
                for (int v = 0; v < b; v++) {
                    for (int i = 0; i < rows; i++) {
                        float want = spec(w, i, xq, stride * v);
                        float got = ys.get(LE.FLOAT, 4L * ((long) v * rows + i));
                        assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got),
                                k + " " + rows + "×" + cols + " b=" + b + ": vector " + v + " row " + i + ": " + got + " vs " + want);
                    }
                }
            }
        }
    }

    @Property(tries = 20)
    void aNonFiniteDminIsRefusedWithItsRow(@ForAll @IntRange(min = 1, max = 40) int rows, @ForAll long seed) {
        Random r = new Random(seed);
        try (Arena arena = Arena.ofShared()) {
            Tensor w = randomQ4_K(arena, r, rows, 256);
            int row = r.nextInt(rows);
            w.segment().set(LE.SHORT, w.rowOffset(row) - w.byteOffset() + 2, (short) 0xFC00);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> InterleavedQ4_K.of(w, arena, KernelExecutor.singleThread()));
            assertTrue(e.getMessage().contains("row " + row + ", super-block 0") && e.getMessage().contains("dmin"),
                    e.getMessage());
        }
    }

    private static float spec(Tensor w, int i, MemorySegment xq, long x0) {
        MemorySegment s = w.base();
        float acc = 0f;
        for (int sb = 0; sb < w.dim(1) / 256; sb++) {
            long blk = w.rowOffset(i) + 144L * sb;
            float d = HalfFloats.f16ToFloat(s.get(LE.SHORT, blk));
            float dmin = HalfFloats.f16ToFloat(s.get(LE.SHORT, blk + 2));
            for (int j = 0; j < 8; j++) {
                long px = x0 + 34L * (8 * sb + j);
                int sum = 0;
                int xsum = 0;
                for (int e = 0; e < 32; e++) {
                    int byteValue = s.get(LE.BYTE, blk + 16 + 32L * (j / 2) + e) & 0xFF;
                    int q = j % 2 == 0 ? byteValue & 15 : byteValue >>> 4;
                    int xe = xq.get(LE.BYTE, px + 2 + e);
                    sum += q * xe;
                    xsum += xe;
                }
                float dx = HalfFloats.f16ToFloat(xq.get(LE.SHORT, px));
                acc = Math.fma(d * dx, (float) (sixBits(s, blk + 4, j, false) * sum), acc);
                acc = Math.fma(-(dmin * dx), (float) (sixBits(s, blk + 4, j, true) * xsum), acc);
            }
        }
        return acc;
    }

    /**
     * Scale (or min) j of the twelve packed bytes p[0..11]: for j &lt; 4 the low six bits of
     * p[j] (min: p[j+4]); for j ≥ 4 the low (min: high) nibble of p[j+4] under the top two bits
     * of p[j−4] (min: p[j]).
     */
    private static int sixBits(MemorySegment s, long p, int j, boolean min) {
        int[] b = new int[12];
        for (int k = 0; k < 12; k++) {
            b[k] = s.get(LE.BYTE, p + k) & 0xFF;
        }
        if (j < 4) {
            return (min ? b[j + 4] : b[j]) & 63;
        }
        int low = min ? b[j + 4] >>> 4 : b[j + 4] & 15;
        int top = (min ? b[j] : b[j - 4]) >>> 6;
        return low | top << 4;
    }

    static Tensor randomQ4_K(Arena arena, Random r, int rows, int cols) {
        Tensor w = Tensor.allocate(arena, DType.Q4_K, rows, cols);
        MemorySegment s = w.segment();
        for (long i = 0; i < s.byteSize(); i++) {
            s.set(LE.BYTE, i, (byte) r.nextInt());
        }
        for (long p = 0; p < s.byteSize(); p += 144) {
            for (int half = 0; half < 2; half++) {
                float d = switch (r.nextInt(6)) {
                    case 0 -> 0f;
                    case 1 -> HalfFloats.f16ToFloat((short) (1 + r.nextInt(0x3FF)));
                    default -> (float) (r.nextGaussian() * 0.01);
                };
                s.set(LE.SHORT, p + 2L * half, HalfFloats.floatToF16(r.nextBoolean() ? d : -d));
            }
        }
        return w;
    }
}
