package dev.llmj.tensor.quant;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;

/** Codecs of the unblocked float types. */
final class PlainCodecs {
    private PlainCodecs() {}

    static final class F32 implements BlockCodec {
        public DType dtype() { return DType.F32; }

        public void dequantize(MemorySegment src, long off, float[] dst, int dstOff, int n) {
            MemorySegment.copy(src, LE.FLOAT, off, dst, dstOff, n);
        }

        public void quantize(float[] src, int srcOff, MemorySegment dst, long off, int n) {
            MemorySegment.copy(src, srcOff, dst, LE.FLOAT, off, n);
        }
    }

    static final class F16 implements BlockCodec {
        public DType dtype() { return DType.F16; }

        public void dequantize(MemorySegment src, long off, float[] dst, int dstOff, int n) {
            for (int i = 0; i < n; i++) {
                dst[dstOff + i] = HalfFloats.f16ToFloat(src.get(LE.SHORT, off + 2L * i));
            }
        }

        public void quantize(float[] src, int srcOff, MemorySegment dst, long off, int n) {
            for (int i = 0; i < n; i++) {
                dst.set(LE.SHORT, off + 2L * i, HalfFloats.floatToF16(src[srcOff + i]));
            }
        }
    }

    static final class BF16 implements BlockCodec {
        public DType dtype() { return DType.BF16; }

        public void dequantize(MemorySegment src, long off, float[] dst, int dstOff, int n) {
            for (int i = 0; i < n; i++) {
                dst[dstOff + i] = HalfFloats.bf16ToFloat(src.get(LE.SHORT, off + 2L * i));
            }
        }

        public void quantize(float[] src, int srcOff, MemorySegment dst, long off, int n) {
            for (int i = 0; i < n; i++) {
                dst.set(LE.SHORT, off + 2L * i, HalfFloats.floatToBf16(src[srcOff + i]));
            }
        }
    }
}
