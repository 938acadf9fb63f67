package dev.llmj.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.LE;
import dev.llmj.tensor.Tensor;
import dev.llmj.tensor.quant.Codecs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Quick end-to-end checks of the facade; the thorough comparisons are jqwik properties in property-tests. */
class KernelsSmokeTest {
    private static MemorySegment floats(Arena arena, float[] v, long pad) {
        MemorySegment s = arena.allocate(4L * v.length + pad, 64);
        MemorySegment.copy(v, 0, s, LE.FLOAT, pad, v.length);
        return s;
    }

    private static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    @Test
    void dotMatchesDoubleReferenceOnBothImplementations() {
        Random r = new Random(1);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[] {0, 1, 15, 16, 17, 63, 64, 65, 1000, 4099}) {
                float[] a = random(r, n);
                float[] b = random(r, n);
                double exact = 0;
                double abs = 0;
                for (int i = 0; i < n; i++) {
                    exact += (double) a[i] * b[i];
                    abs += Math.abs((double) a[i] * b[i]);
                }
                MemorySegment sa = floats(arena, a, 3);
                MemorySegment sb = floats(arena, b, 5);
                for (Kernels k : new Kernels[] {Kernels.scalar(), Kernels.vector()}) {
                    // Summation error of a length-n float dot: at most n·2^-24 relative to Σ|a_i·b_i|.
                    assertEquals(exact, k.dot(sa, 3, sb, 5, n), n * 0x1p-24 * abs + 1e-30, k + " n=" + n);
                }
            }
        }
    }

    @Test
    void gemvAndGemmAgreeBetweenImplementations() {
        Random r = new Random(2);
        try (Arena arena = Arena.ofConfined()) {
            for (DType t : new DType[] {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q6_K}) {
                int rows = 37;
                int cols = 512;
                Tensor f = Tensor.ofFloats(arena, random(r, rows * cols), rows, cols);
                Tensor w = switch (t) {
                    case F32 -> f;
                    case Q4_K, Q6_K -> randomKQuant(arena, r, t, rows, cols);
                    default -> Codecs.convert(f, t, arena);
                };
                int m = 45;
                MemorySegment a = floats(arena, random(r, m * cols), 0);
                MemorySegment cs = arena.allocate(4L * m * rows, 64);
                MemorySegment cv = arena.allocate(4L * m * rows, 64);
                Kernels.scalar().gemm(w, a, 0, m, cs, 0);
                Kernels.vector().gemm(w, a, 0, m, cv, 0);
                for (int i = 0; i < m * rows; i++) {
                    assertEquals(cs.getAtIndex(LE.FLOAT, i), cv.getAtIndex(LE.FLOAT, i), 0f, t + " gemm @" + i);
                }
                MemorySegment ys = arena.allocate(4L * rows, 64);
                MemorySegment yv = arena.allocate(4L * rows, 64);
                Kernels.scalar().gemv(w, a, 0, ys, 0);
                Kernels.vector().gemv(w, a, 0, yv, 0);
                for (int i = 0; i < rows; i++) {
                    float s = ys.getAtIndex(LE.FLOAT, i);
                    assertEquals(s, yv.getAtIndex(LE.FLOAT, i), 1e-3f * (1 + Math.abs(s)), t + " gemv @" + i);
                }
            }
        }
    }

    @Test
    void sgemmAcrossSeveralKBlocksStaysBitExact() {
        // K larger than two GEMM k-blocks (2048): later blocks continue each C element's fma chain
        // from the value stored in C, so vector and scalar must still agree exactly.
        Random r = new Random(3);
        int m = 37;
        int n = 13;
        int k = 2 * 2048 + 37;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment a = floats(arena, random(r, m * k), 4);
            MemorySegment b = floats(arena, random(r, n * k), 8);
            MemorySegment cs = arena.allocate(4L * m * n, 64);
            MemorySegment cv = arena.allocate(4L * m * n, 64);
            Kernels.scalar().sgemm(m, n, k, a, 4, k, b, 8, k, cs, 0, n);
            Kernels.vector().sgemm(m, n, k, a, 4, k, b, 8, k, cv, 0, n);
            assertEquals(-1, cs.mismatch(cv), "vector GEMM differs from the scalar twin");
        }
    }

    /** Random bytes with the f16 super-scales replaced by sane values (K-quants cannot be encoded here). */
    static Tensor randomKQuant(Arena arena, Random r, DType t, int rows, int cols) {
        Tensor w = Tensor.allocate(arena, t, rows, cols);
        MemorySegment s = w.segment();
        for (long i = 0; i < s.byteSize(); i++) {
            s.set(LE.BYTE, i, (byte) r.nextInt());
        }
        for (long blk = 0; blk < s.byteSize() / t.blockBytes(); blk++) {
            long p = blk * t.blockBytes();
            if (t == DType.Q4_K) {
                s.set(LE.SHORT, p, Float.floatToFloat16(r.nextFloat() * 0.01f));
                s.set(LE.SHORT, p + 2, Float.floatToFloat16(r.nextFloat() * 0.01f));
            } else {
                s.set(LE.SHORT, p + 208, Float.floatToFloat16(r.nextFloat() * 0.01f));
            }
        }
        return w;
    }

    @Test
    void facadeRejectsOutOfBoundsWithAClearMessage() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(64, 64);
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                    () -> Kernels.get().dot(s, 8, s, 0, 15));
            assertEquals("a: 15 F32 elements (60 bytes) at byte offset 8 do not fit in a segment of 64 bytes",
                    e.getMessage());
        }
    }
}
