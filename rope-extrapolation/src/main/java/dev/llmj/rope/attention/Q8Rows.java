package dev.llmj.rope.attention;

import dev.llmj.tensor.LE;
import dev.llmj.tensor.quant.Rounding;
import java.lang.foreign.MemorySegment;

/**
 * Storing rows in a Q8_0 cache ({@link KvType#Q8_0}): each 32-element block as 32 signed bytes
 * and a float scale, the scale at byte 4·⌊e/32⌋ of the scales for the element at byte e of the
 * rows (see {@link KvCache#scales}). A token brings a few hundred elements per layer, so this stays
 * a plain loop.
 */
final class Q8Rows {
    private Q8Rows() {}

    private static final int BLOCK = KvType.Q8_0_BLOCK;

    /**
     * n F32 elements from byte {@code srcOff} of src into rows at byte {@code dstOff} (a multiple
     * of 32; n too): d = max|x| / 127, q = x·(1/d) rounded half away from zero, as GGML's
     * reference quantizer; a block holding an infinity or NaN gets d = NaN (it reads back as NaN).
     */
    static void quantize(MemorySegment src, long srcOff, MemorySegment rows, long dstOff, MemorySegment scales, int n) {
        for (int b = 0; b < n; b += BLOCK) {
            float amax = 0;
            for (int i = 0; i < BLOCK; i++) {
                amax = Math.max(amax, Math.abs(src.get(LE.FLOAT, srcOff + 4L * (b + i))));
            }
            boolean finite = Float.isFinite(amax);
            float d = finite ? amax / 127f : Float.NaN;
            float id = finite && d != 0 ? 1f / d : 0f;
            for (int i = 0; i < BLOCK; i++) {
                // |x·id| ≤ 127 up to a few ulp, so no clamp is needed (as in Q8_0Codec)
                rows.set(LE.BYTE, dstOff + b + i, (byte) Rounding.roundf(src.get(LE.FLOAT, srcOff + 4L * (b + i)) * id));
            }
            scales.set(LE.FLOAT, scaleOffset(dstOff + b), d);
        }
    }

    /** Byte offset in the scales of the block holding the element at byte e of the rows. */
    static long scaleOffset(long e) {
        return (e >>> 5) << 2;
    }

    /** The element at byte e of the rows, widened: fl(d·q). */
    static float widened(MemorySegment rows, MemorySegment scales, long e) {
        return scales.get(LE.FLOAT, scaleOffset(e)) * rows.get(LE.BYTE, e);
    }
}
