package dev.llmj.kernels.vector;

import static dev.llmj.kernels.VectorWidths.F;
import static dev.llmj.kernels.VectorWidths.I;
import static dev.llmj.kernels.VectorWidths.S_PER_F;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Widening of 16-bit floats to float vectors (the Vector API has no float16 conversion).
 *
 * <pre>
 *   binary16:  s eeeee mmmmmmmmmm        float32: s eeeeeeee mmmmmmmmmmmmmmmmmmmmmmm
 * </pre>
 *
 * Placing e and m 13 bits up inside a float gives 2^(e−127)·1.m (or a float subnormal when e = 0);
 * multiplying by 2^112 rebiases the exponent from 15 to 127 exactly, for normals and subnormals
 * alike. e = 31 (infinity, NaN) instead gets the float's all-ones exponent. bfloat16 is just the
 * upper half of a float.
 */
final class HalfVectors {
    private HalfVectors() {}

    private static final float REBIAS = 0x1p112f;

    /** L binary16 values at {@code off}, one per float lane. */
    static FloatVector f16(MemorySegment s, long off) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S_PER_F, s, off, ByteOrder.LITTLE_ENDIAN).castShape(I, 0);
        IntVector magnitude = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13);
        IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        FloatVector finite = ((FloatVector) magnitude.or(sign).reinterpretAsFloats()).mul(REBIAS);
        VectorMask<Integer> special = h.and(0x7C00).compare(VectorOperators.EQ, 0x7C00);
        if (special.anyTrue()) {
            IntVector bits = (IntVector) finite.reinterpretAsInts();
            bits = bits.blend(magnitude.or(sign).or(0x7F800000), special);
            return (FloatVector) bits.reinterpretAsFloats();
        }
        return finite;
    }

    /** L bfloat16 values at {@code off}. */
    static FloatVector bf16(MemorySegment s, long off) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S_PER_F, s, off, ByteOrder.LITTLE_ENDIAN).castShape(I, 0);
        return (FloatVector) h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }
}
