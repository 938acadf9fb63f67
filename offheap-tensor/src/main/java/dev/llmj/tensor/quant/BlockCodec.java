package dev.llmj.tensor.quant;

import dev.llmj.tensor.DType;
import java.lang.foreign.MemorySegment;

/**
 * Scalar encoder/decoder of one dtype's bytes. These are the reference definitions of the formats;
 * SIMD kernels elsewhere are checked against them.
 *
 * <p>Callers validate bounds; {@code n} is a whole number of blocks.
 */
public interface BlockCodec {
    DType dtype();

    /** Decodes {@code n} elements stored at {@code src + srcOffset} into {@code dst[dstOffset ..]}. */
    void dequantize(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int n);

    /**
     * Encodes {@code n} floats into {@code dst + dstOffset}.
     *
     * @throws UnsupportedOperationException for dtypes this library only decodes
     */
    default void quantize(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int n) {
        throw new UnsupportedOperationException("quantizing to " + dtype() + " is not supported");
    }
}
