package dev.llmj.kernels.scalar;

import dev.llmj.tensor.LE;
import java.lang.foreign.MemorySegment;

/**
 * Field extraction for the K-quant blocks (layouts drawn in {@link dev.llmj.tensor.quant.Q4_KCodec}
 * and {@link dev.llmj.tensor.quant.Q6_KCodec}), shared by the scalar dots and the vector twins'
 * per-block set-up.
 */
public final class KQuants {
    private KQuants() {}

    /**
     * 6-bit scale of Q4_K sub-block j (0..7) from the 12 packed bytes at {@code scales}:
     * j &lt; 4: scales[j] &amp; 63; j ≥ 4: scales[j+4] &amp; 15 | (scales[j−4] &gt;&gt; 6) &lt;&lt; 4.
     */
    public static int q4kScale(MemorySegment s, long scales, int j) {
        if (j < 4) {
            return s.get(LE.BYTE, scales + j) & 63;
        }
        return (s.get(LE.BYTE, scales + j + 4) & 0x0F) | (((s.get(LE.BYTE, scales + j - 4) & 0xFF) >>> 6) << 4);
    }

    /** 6-bit min of Q4_K sub-block j: j &lt; 4: scales[j+4] &amp; 63; else scales[j+4] &gt;&gt; 4 | (scales[j] &gt;&gt; 6) &lt;&lt; 4. */
    public static int q4kMin(MemorySegment s, long scales, int j) {
        if (j < 4) {
            return s.get(LE.BYTE, scales + j + 4) & 63;
        }
        return ((s.get(LE.BYTE, scales + j + 4) & 0xFF) >>> 4) | (((s.get(LE.BYTE, scales + j) & 0xFF) >>> 6) << 4);
    }

    /**
     * Signed quant (−32..31) of element {@code e} (0..127) of half {@code h} of the Q6_K block at
     * {@code blk}: low 4 bits from ql, high 2 bits from qh, minus 32.
     */
    public static int q6k(MemorySegment s, long blk, int h, int e) {
        long ql = blk + 64L * h;
        long qh = blk + 128 + 32L * h;
        int l = e & 31;
        int group = e >>> 5; // 0: ql[l] low, 1: ql[l+32] low, 2: ql[l] high, 3: ql[l+32] high
        int low = s.get(LE.BYTE, ql + l + ((group & 1) << 5)) & 0xFF;
        low = group < 2 ? low & 0x0F : low >>> 4;
        int high = ((s.get(LE.BYTE, qh + l) & 0xFF) >>> (2 * group)) & 3;
        return (low | (high << 4)) - 32;
    }
}
