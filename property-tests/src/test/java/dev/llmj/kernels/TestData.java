package dev.llmj.kernels;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import dev.llmj.tensor.Tensor;
import dev.llmj.tensor.quant.Codecs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * Test inputs for the kernel properties: float mixes with zeros, large magnitudes and subnormals;
 * segments with the data at a chosen (often unaligned) byte offset; random quantized blocks.
 */
final class TestData {
    private TestData() {}

    /** Unit roundoff of float. */
    static final double EPS = 0x1p-24;

    /**
     * {@link #implementations()} plus the vector kernels on one thread. The interleaved kernels
     * pair row groups within each thread's range of them, and on the default (two-thread)
     * executor a small matrix gives every range one group, so only one thread walks pairs.
     */
    static Kernels[] implementationsWithOneThread() {
        Kernels[] both = implementations();
        if (both.length == 1) {
            return both;
        }
        return new Kernels[] {both[0], both[1], both[1].withExecutor(KernelExecutor.singleThread())};
    }

    /**
     * A random finite binary16 block scale of every kind a scale can be: zero, the largest
     * (65504), subnormal, or a normal value of about 0.05, either sign (Q4_0 and Q8_0 blocks).
     */
    static short blockScale(Random r) {
        float d = switch (r.nextInt(8)) {
            case 0 -> 0f;
            case 1 -> 65504f;
            case 2 -> HalfFloats.f16ToFloat((short) (1 + r.nextInt(0x3FF)));   // subnormal
            default -> (float) (r.nextGaussian() * 0.05);
        };
        return HalfFloats.floatToF16(r.nextBoolean() ? d : -d);
    }

    /** Both implementations; the vector one exists because surefire starts the JVM with the module. */
    static Kernels[] implementations() {
        return Kernels.vectorModulePresent() ? new Kernels[] {Kernels.scalar(), Kernels.vector()}
                : new Kernels[] {Kernels.scalar()};
    }

    /**
     * n floats drawn from a mix: mostly normal values of moderate size, plus exact zeros, values up
     * to 1e15 in magnitude and subnormals. Products of two stay below 1e30, so length-5000 sums
     * never overflow a float.
     */
    static float[] mixedFloats(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            int kind = r.nextInt(20);
            float x;
            if (kind == 0) {
                x = 0f;
            } else if (kind == 1) {
                x = (float) (r.nextDouble() * 1e15);
            } else if (kind == 2) {
                x = Float.MIN_VALUE * (1 + r.nextInt(1 << 22));
            } else {
                x = (float) r.nextGaussian();
            }
            v[i] = r.nextBoolean() ? -x : x;
        }
        return v;
    }

    /**
     * Like {@link #mixedFloats} but with magnitudes below 1e6: a Q8_0 scale max|x|/127 must fit
     * float16 (≤ 65504), or the block's scale is infinite.
     */
    static float[] quantizableFloats(Random r, int n) {
        float[] v = mixedFloats(r, n);
        for (int i = 0; i < n; i++) {
            if (Math.abs(v[i]) > 1e6f) {
                v[i] = (float) (v[i] * 1e-9);
            }
        }
        return v;
    }

    /** {@code n} vectors of {@link #quantizableFloats}, each of {@code cols} drawn on its own, one after another. */
    static float[] quantizableVectors(Random r, int n, int cols) {
        float[] x = new float[n * cols];
        for (int v = 0; v < n; v++) {
            System.arraycopy(quantizableFloats(r, cols), 0, x, v * cols, cols);
        }
        return x;
    }

    /**
     * The {@code n} vectors of {@code cols} floats at byte {@code off} of {@code xs}, each quantized to
     * Q8_0 by the scalar kernel (what the interleaved kernels compute with), 34·cols/32 bytes apart.
     */
    static MemorySegment q8_0Vectors(Arena arena, MemorySegment xs, long off, int n, int cols) {
        long stride = 34L * cols / 32;
        MemorySegment xq = arena.allocate(stride * n, 64);
        for (int v = 0; v < n; v++) {
            Kernels.scalar().quantizeQ8_0(xs, off + 4L * v * cols, xq, stride * v, cols);
        }
        return xq;
    }

    static float[] gaussian(Random r, int n, double sigma) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * sigma);
        }
        return v;
    }

    /** A segment holding {@code v} as little-endian F32 at byte {@code offset}, with slack after it. */
    static MemorySegment f32(Arena arena, float[] v, long offset) {
        MemorySegment s = arena.allocate(offset + 4L * v.length + 7, 64);
        MemorySegment.copy(v, 0, s, LE.FLOAT, offset, v.length);
        return s;
    }

    static float[] read(MemorySegment s, long offset, int n) {
        float[] v = new float[n];
        MemorySegment.copy(s, LE.FLOAT, offset, v, 0, n);
        return v;
    }

    /** {@code v} encoded as F16 or BF16 at {@code offset}; {@code v} is overwritten with the decoded values. */
    static MemorySegment halves(Arena arena, DType t, float[] v, long offset) {
        MemorySegment s = arena.allocate(offset + 2L * v.length + 7, 64);
        for (int i = 0; i < v.length; i++) {
            short h = t == DType.F16 ? HalfFloats.floatToF16(v[i]) : HalfFloats.floatToBf16(v[i]);
            s.set(LE.SHORT, offset + 2L * i, h);
            v[i] = t == DType.F16 ? HalfFloats.f16ToFloat(h) : HalfFloats.bf16ToFloat(h);
        }
        return s;
    }

    /** Σ a_i·b_i and Σ |a_i·b_i| in double (exact products). */
    static double[] dotAndMagnitude(float[] a, float[] b) {
        double s = 0;
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            double p = (double) a[i] * b[i];
            s += p;
            m += Math.abs(p);
        }
        return new double[] {s, m};
    }

    /**
     * Bound on |fl(dot) − dot| for a length-n float dot summed in any tree of depth ≤ n + 8 (the
     * vector kernels' lane-parallel accumulators plus their final reduction are shallower than the
     * scalar chain): (n + 8)·ε·Σ|a_i·b_i| plus n·2^-149 for underflowing products and sums.
     */
    static double dotBound(int n, double magnitude) {
        return (n + 8) * EPS * magnitude * 1.0001 + (n + 1) * 0x1p-149;
    }

    /** A weight matrix of the given dtype with random contents that decode to finite values. */
    static Tensor randomWeights(Arena arena, Random r, DType t, int rows, int cols) {
        return switch (t) {
            case F32 -> Tensor.ofFloats(arena, gaussian(r, rows * cols, 1), rows, cols);
            case Q4_K, Q6_K -> randomKQuant(arena, r, t, rows, cols);
            default -> Codecs.convert(Tensor.ofFloats(arena, gaussian(r, rows * cols, 1), rows, cols), t, arena);
        };
    }

    /** Random bytes with the f16 super-scales replaced by small finite values (K-quants have no encoder here). */
    static Tensor randomKQuant(Arena arena, Random r, DType t, int rows, int cols) {
        Tensor w = Tensor.allocate(arena, t, rows, cols);
        MemorySegment s = w.segment();
        for (long i = 0; i < s.byteSize(); i++) {
            s.set(LE.BYTE, i, (byte) r.nextInt());
        }
        for (long blk = 0; blk < s.byteSize() / t.blockBytes(); blk++) {
            long p = blk * t.blockBytes();
            if (t == DType.Q4_K) {
                s.set(LE.SHORT, p, HalfFloats.floatToF16(r.nextFloat() * 0.01f));
                s.set(LE.SHORT, p + 2, HalfFloats.floatToF16(r.nextFloat() * 0.01f));
            } else {
                s.set(LE.SHORT, p + 208, HalfFloats.floatToF16(r.nextFloat() * 0.01f));
            }
        }
        return w;
    }

    /** Copies a weight tensor's bytes to byte {@code offset} of a fresh segment (unaligned rows). */
    static Tensor shifted(Arena arena, Tensor w, long offset) {
        MemorySegment s = arena.allocate(offset + w.byteSize() + 3, 64);
        MemorySegment.copy(w.segment(), 0, s, offset, w.byteSize());
        return Tensor.wrap(s, offset, w.dtype(), w.shape());
    }
}
