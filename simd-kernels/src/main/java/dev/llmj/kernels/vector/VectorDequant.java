package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.F_LANES;

import dev.llmj.kernels.Scratch;
import dev.llmj.tensor.DType;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import dev.llmj.tensor.quant.Codecs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Decodes one weight row to F32 in a segment, for GEMM weight panels. Every dtype produces exactly
 * the floats its scalar codec produces (each element is one product d·q, or an exact widening),
 * so GEMM over a decoded panel equals GEMM over the codec's output.
 */
final class VectorDequant {
    private VectorDequant() {}

    private static final ByteOrder LITTLE = ByteOrder.LITTLE_ENDIAN;
    private static final int L = F_LANES;
    private static final ThreadLocal<float[]> ROW = ThreadLocal.withInitial(() -> new float[0]);

    static void row(DType t, MemorySegment src, long off, MemorySegment dst, long dstOff, int n) {
        switch (t) {
            case F32 -> MemorySegment.copy(src, off, dst, dstOff, 4L * n);
            case F16, BF16 -> halves(t == DType.F16, src, off, dst, dstOff, n);
            case Q8_0 -> q8_0(src, off, dst, dstOff, n);
            case Q4_0 -> q4_0(src, off, dst, dstOff, n);
            default -> viaCodec(t, src, off, dst, dstOff, n);
        }
    }

    private static void halves(boolean f16, MemorySegment src, long off, MemorySegment dst, long dstOff, int n) {
        int upper = F.loopBound(n);
        int i = 0;
        for (; i < upper; i += L) {
            FloatVector v = f16 ? HalfVectors.f16(src, off + 2L * i) : HalfVectors.bf16(src, off + 2L * i);
            v.intoMemorySegment(dst, dstOff + 4L * i, LITTLE);
        }
        for (; i < n; i++) {
            short h = src.get(LE.SHORT, off + 2L * i);
            dst.set(LE.FLOAT, dstOff + 4L * i, f16 ? HalfFloats.f16ToFloat(h) : HalfFloats.bf16ToFloat(h));
        }
    }

    /** Q8_0: element = d · q (Q8_0Codec). */
    private static void q8_0(MemorySegment src, long off, MemorySegment dst, long dstOff, int n) {
        for (int blk = 0; blk < n / 32; blk++) {
            long p = off + 34L * blk;
            float d = HalfFloats.f16ToFloat(src.get(LE.SHORT, p));
            long o = dstOff + 128L * blk;
            for (int c = 0; c < 32; c += L) {
                VectorDot.bytesToFloats(src, p + 2 + c).mul(d).intoMemorySegment(dst, o + 4L * c, LITTLE);
            }
        }
    }

    /** Q4_0: element j = (low nibble of byte j − 8)·d, element j+16 = (high nibble − 8)·d (Q4_0Codec). */
    private static void q4_0(MemorySegment src, long off, MemorySegment dst, long dstOff, int n) {
        for (int blk = 0; blk < n / 32; blk++) {
            long p = off + 18L * blk;
            float d = HalfFloats.f16ToFloat(src.get(LE.SHORT, p));
            long o = dstOff + 128L * blk;
            for (int c = 0; c < 16; c += L) {
                ByteVector packed = VectorDot.bytes(src, p + 2 + c);
                FloatVector nibbles = VectorDot.lowNibbles(packed);
                FloatVector lo = nibbles.sub(8f);
                FloatVector hi = VectorDot.highNibbles(packed, nibbles).sub(8f);
                lo.mul(d).intoMemorySegment(dst, o + 4L * c, LITTLE);
                hi.mul(d).intoMemorySegment(dst, o + 4L * (16 + c), LITTLE);
            }
        }
    }

    private static void viaCodec(DType t, MemorySegment src, long off, MemorySegment dst, long dstOff, int n) {
        float[] row = Scratch.floats(ROW, n);
        Codecs.forType(t).dequantize(src, off, row, 0, n);
        MemorySegment.copy(row, 0, dst, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LITTLE), dstOff, n);
    }
}
