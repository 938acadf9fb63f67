package dev.llmj.kernels.scalar;

import dev.llmj.kernels.DotKernels;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import dev.llmj.tensor.quant.Rounding;
import java.lang.foreign.MemorySegment;

/**
 * Reference dot products: one sequential accumulator, {@code Math.fma} per element (the policy
 * the vector twin's tails use too). No incubator import, by design.
 */
public final class ScalarDot implements DotKernels {

    public float dot(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        float acc = 0f;
        for (int i = 0; i < n; i++) {
            acc = Math.fma(a.get(LE.FLOAT, aOff + 4L * i), b.get(LE.FLOAT, bOff + 4L * i), acc);
        }
        return acc;
    }

    public float dotF16(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        float acc = 0f;
        for (int i = 0; i < n; i++) {
            float w = HalfFloats.f16ToFloat(a.get(LE.SHORT, aOff + 2L * i));
            acc = Math.fma(w, b.get(LE.FLOAT, bOff + 4L * i), acc);
        }
        return acc;
    }

    public float dotBf16(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        float acc = 0f;
        for (int i = 0; i < n; i++) {
            float w = HalfFloats.bf16ToFloat(a.get(LE.SHORT, aOff + 2L * i));
            acc = Math.fma(w, b.get(LE.FLOAT, bOff + 4L * i), acc);
        }
        return acc;
    }

    /**
     * Q8_0 · Q8_0. Within a block the integer sum is exact; blocks are combined as
     * acc = fma(d_a·d_b, Σq, acc).
     */
    public float dotQ8_0(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        float acc = 0f;
        for (int blk = 0; blk < n / 32; blk++) {
            long pa = aOff + 34L * blk;
            long pb = bOff + 34L * blk;
            int sum = 0;
            for (int i = 0; i < 32; i++) {
                sum += a.get(LE.BYTE, pa + 2 + i) * b.get(LE.BYTE, pb + 2 + i);
            }
            float d = HalfFloats.f16ToFloat(a.get(LE.SHORT, pa)) * HalfFloats.f16ToFloat(b.get(LE.SHORT, pb));
            acc = Math.fma(d, (float) sum, acc);
        }
        return acc;
    }

    /** Q4_0 · Q8_0: element j of a Q4_0 block is (nibble − 8); see {@link dev.llmj.tensor.quant.Q4_0Codec}. */
    public float dotQ4_0(MemorySegment w, long wOff, MemorySegment x, long xOff, int n) {
        float acc = 0f;
        for (int blk = 0; blk < n / 32; blk++) {
            long pw = wOff + 18L * blk;
            long px = xOff + 34L * blk;
            int sum = 0;
            for (int j = 0; j < 16; j++) {
                int packed = w.get(LE.BYTE, pw + 2 + j) & 0xFF;
                sum += ((packed & 0x0F) - 8) * x.get(LE.BYTE, px + 2 + j);
                sum += ((packed >>> 4) - 8) * x.get(LE.BYTE, px + 2 + 16 + j);
            }
            float d = HalfFloats.f16ToFloat(w.get(LE.SHORT, pw)) * HalfFloats.f16ToFloat(x.get(LE.SHORT, px));
            acc = Math.fma(d, (float) sum, acc);
        }
        return acc;
    }

    /** Q4_K · F32, element by element as {@link dev.llmj.tensor.quant.Q4_KCodec} decodes it. */
    public float dotQ4_K(MemorySegment w, long wOff, MemorySegment x, long xOff, int n) {
        float acc = 0f;
        for (int blk = 0; blk < n / 256; blk++) {
            long p = wOff + 144L * blk;
            float d = HalfFloats.f16ToFloat(w.get(LE.SHORT, p));
            float dmin = HalfFloats.f16ToFloat(w.get(LE.SHORT, p + 2));
            long xb = xOff + 4L * 256 * blk;
            for (int pair = 0; pair < 4; pair++) {
                int j = 2 * pair;
                float d1 = d * KQuants.q4kScale(w, p + 4, j);
                float m1 = dmin * KQuants.q4kMin(w, p + 4, j);
                float d2 = d * KQuants.q4kScale(w, p + 4, j + 1);
                float m2 = dmin * KQuants.q4kMin(w, p + 4, j + 1);
                long q = p + 16 + 32L * pair;
                for (int l = 0; l < 32; l++) {
                    int v = w.get(LE.BYTE, q + l) & 0xFF;
                    acc = Math.fma(d1 * (v & 0x0F) - m1, x.get(LE.FLOAT, xb + 4L * (64 * pair + l)), acc);
                }
                for (int l = 0; l < 32; l++) {
                    int v = w.get(LE.BYTE, q + l) & 0xFF;
                    acc = Math.fma(d2 * (v >>> 4) - m2, x.get(LE.FLOAT, xb + 4L * (64 * pair + 32 + l)), acc);
                }
            }
        }
        return acc;
    }

    /** Q6_K · F32, element by element as {@link dev.llmj.tensor.quant.Q6_KCodec} decodes it. */
    public float dotQ6_K(MemorySegment w, long wOff, MemorySegment x, long xOff, int n) {
        float acc = 0f;
        for (int blk = 0; blk < n / 256; blk++) {
            long p = wOff + 210L * blk;
            float d = HalfFloats.f16ToFloat(w.get(LE.SHORT, p + 208));
            long xb = xOff + 4L * 256 * blk;
            for (int h = 0; h < 2; h++) {
                for (int e = 0; e < 128; e++) {
                    int q = KQuants.q6k(w, p, h, e);
                    float scale = d * w.get(LE.BYTE, p + 192 + 8 * h + e / 16);
                    acc = Math.fma(scale * q, x.get(LE.FLOAT, xb + 4L * (128 * h + e)), acc);
                }
            }
        }
        return acc;
    }

    public float cosine(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        float ab = 0f;
        float aa = 0f;
        float bb = 0f;
        for (int i = 0; i < n; i++) {
            float x = a.get(LE.FLOAT, aOff + 4L * i);
            float y = b.get(LE.FLOAT, bOff + 4L * i);
            ab = Math.fma(x, y, ab);
            aa = Math.fma(x, x, aa);
            bb = Math.fma(y, y, bb);
        }
        return Similarity.cosine(ab, aa, bb);
    }

    public float euclidean(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        float acc = 0f;
        for (int i = 0; i < n; i++) {
            float diff = a.get(LE.FLOAT, aOff + 4L * i) - b.get(LE.FLOAT, bOff + 4L * i);
            acc = Math.fma(diff, diff, acc);
        }
        return (float) Math.sqrt(acc);
    }

    public void quantizeQ8_0(MemorySegment src, long srcOff, MemorySegment dst, long dstOff, int n) {
        for (int blk = 0; blk < n / 32; blk++) {
            long s = srcOff + 128L * blk;
            long o = dstOff + 34L * blk;
            float amax = 0f;
            for (int i = 0; i < 32; i++) {
                amax = Math.max(amax, Math.abs(src.get(LE.FLOAT, s + 4L * i)));
            }
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            dst.set(LE.SHORT, o, HalfFloats.floatToF16(d));
            for (int i = 0; i < 32; i++) {
                dst.set(LE.BYTE, o + 2 + i, (byte) Rounding.roundf(src.get(LE.FLOAT, s + 4L * i) * id));
            }
        }
    }
}
