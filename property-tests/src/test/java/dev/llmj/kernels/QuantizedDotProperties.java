package dev.llmj.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.LE;
import dev.llmj.tensor.Tensor;
import dev.llmj.tensor.quant.Codecs;
import dev.llmj.tensor.quant.Q8_0Codec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Quantized dots against dequantize-then-dot in double, and the on-the-fly Q8_0 quantizer against
 * the reference codec, byte for byte. Operands sit at unaligned byte offsets (blocks are 18, 34,
 * 144 and 210 bytes, so no alignment can be assumed anyway).
 */
class QuantizedDotProperties {

    /** Blocks copied to {@code off} in a fresh segment. */
    private static MemorySegment at(Arena arena, MemorySegment src, long off) {
        MemorySegment s = arena.allocate(off + src.byteSize() + 5, 64);
        MemorySegment.copy(src, 0, s, off, src.byteSize());
        return s;
    }

    private static float[] decode(DType t, MemorySegment s, long off, int n) {
        float[] v = new float[n];
        Codecs.forType(t).dequantize(s, off, v, 0, n);
        return v;
    }

    @Property
    void q8QuantizerMatchesTheCodecByteForByte(@ForAll @IntRange(max = 160) int blocks,
            @ForAll @IntRange(max = 40) int srcOff, @ForAll @IntRange(max = 40) int dstOff, @ForAll long seed) {
        int n = 32 * blocks;
        Random r = new Random(seed);
        float[] x = TestData.quantizableFloats(r, n);
        if (blocks > 0 && r.nextBoolean()) {
            // ties: values that land exactly on .5 after scaling by 127/amax
            for (int i = 0; i < 32; i++) {
                x[i] = (i - 16) + 0.5f;
            }
            x[0] = 127f;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment expected = arena.allocate(DType.Q8_0.byteSize(n) + 1, 64);
            new Q8_0Codec().quantize(x, 0, expected, 0, n);
            MemorySegment src = TestData.f32(arena, x, srcOff);
            for (Kernels k : TestData.implementations()) {
                MemorySegment dst = arena.allocate(dstOff + DType.Q8_0.byteSize(n) + 1, 64);
                k.quantizeQ8_0(src, srcOff, dst, dstOff, n);
                long mismatch = expected.asSlice(0, DType.Q8_0.byteSize(n))
                        .mismatch(dst.asSlice(dstOff, DType.Q8_0.byteSize(n)));
                assertEquals(-1, mismatch, k + " differs from Q8_0Codec at byte " + mismatch);
            }
        }
    }

    @Property
    void q8AndQ4DotsMatchDequantizedDouble(@ForAll @IntRange(max = 150) int blocks, @ForAll boolean q4,
            @ForAll @IntRange(max = 40) int wOff, @ForAll @IntRange(max = 40) int xOff, @ForAll long seed) {
        int n = 32 * blocks;
        Random r = new Random(seed);
        DType wt = q4 ? DType.Q4_0 : DType.Q8_0;
        try (Arena arena = Arena.ofConfined()) {
            Tensor w = TestData.randomWeights(arena, r, wt, 1, n);
            float[] xf = TestData.quantizableFloats(r, n);
            MemorySegment xq = arena.allocate(DType.Q8_0.byteSize(n) + 1, 64);
            new Q8_0Codec().quantize(xf, 0, xq, 0, n);
            MemorySegment ws = at(arena, w.segment(), wOff);
            MemorySegment xs = at(arena, xq.asSlice(0, DType.Q8_0.byteSize(n)), xOff);
            double[] ref = TestData.dotAndMagnitude(decode(wt, ws, wOff, n), decode(DType.Q8_0, xs, xOff, n));
            for (Kernels k : TestData.implementations()) {
                float got = q4 ? k.dotQ4_0(ws, wOff, xs, xOff, n) : k.dotQ8_0(ws, wOff, xs, xOff, n);
                // Per block the integer sum is exact; d_w·d_x rounds once (ε) where the reference
                // rounds d·q twice (2ε), and the block sums add with the usual chain bound.
                assertEquals(ref[0], got, TestData.dotBound(n, ref[1]) + 3 * TestData.EPS * ref[1],
                        k + " " + wt + " n=" + n);
            }
        }
    }

    @Property
    void kQuantDotsMatchDequantizedDouble(@ForAll @IntRange(max = 12) int blocks, @ForAll boolean q6,
            @ForAll @IntRange(max = 40) int wOff, @ForAll @IntRange(max = 40) int xOff, @ForAll long seed) {
        int n = 256 * blocks;
        Random r = new Random(seed);
        DType wt = q6 ? DType.Q6_K : DType.Q4_K;
        try (Arena arena = Arena.ofConfined()) {
            Tensor w = TestData.randomWeights(arena, r, wt, 1, n);
            float[] x = TestData.mixedFloats(r, n);
            MemorySegment ws = at(arena, w.segment(), wOff);
            MemorySegment xs = TestData.f32(arena, x, xOff);
            // The kernels compute each weight exactly as the codec does, so only summation differs.
            double[] ref = TestData.dotAndMagnitude(decode(wt, ws, wOff, n), x);
            for (Kernels k : TestData.implementations()) {
                float got = q6 ? k.dotQ6_K(ws, wOff, xs, xOff, n) : k.dotQ4_K(ws, wOff, xs, xOff, n);
                assertEquals(ref[0], got, TestData.dotBound(n, ref[1]), k + " " + wt + " n=" + n);
            }
        }
    }

    @Property(tries = 20)
    void quantizedLengthsMustBeWholeBlocks(@ForAll @IntRange(min = 1, max = 31) int extra) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(4096, 64);
            for (Kernels k : TestData.implementations()) {
                IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                        IllegalArgumentException.class, () -> k.dotQ8_0(s, 0, s, 0, 32 + extra));
                org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("not a multiple"), e.getMessage());
                s.set(LE.BYTE, 0, (byte) 0);
            }
        }
    }
}
