package dev.llmj.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Every vector species the kernels use, derived from one bit size.
 *
 * <p>The size is the machine's preferred shape, lowered by the system property
 * {@code llmj.vector.bits} (128, 256 or 512) so tests can exercise each width on one machine.
 * Widths never rise above what the hardware offers.
 *
 * <p>One species per element type in the whole process (floats {@link #F}, ints {@link #I},
 * bytes {@link #B_PER_F}, shorts {@link #S_PER_F} (and {@link #S}, see there); attention's softmax adds doubles and longs of
 * the same bit size). The JDK's vector code is shared by every caller, and its type profiles with
 * it: once a second species of an element type runs somewhere, a kernel compiled afterwards may
 * keep a guarded path for the other vector class and box its accumulators there (a half-width
 * float species in the softmax did that to the Q4_0 decode kernel in one JVM run in three:
 * 140 MB of garbage per token, 2.4× slower). Use masks for partial vectors instead.
 */
public final class VectorWidths {
    private VectorWidths() {}

    /** Bit size of the float vectors all kernels use. */
    public static final int BITS = chooseBits();

    public static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(BITS));
    public static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(BITS));
    /**
     * Bytes with (at least) one lane per float lane, for widening int8 → float: 16 bytes for
     * 512-bit floats, 8 for 256. At 128 bits one lane per float would be a 32-bit vector, which
     * does not exist; the species is then 64 bits and only its first {@link #F_LANES} lanes are
     * used (loads and stores masked with {@link #B_PER_F_USED}).
     */
    public static final VectorSpecies<Byte> B_PER_F =
            ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(Math.max(64, BITS / 4)));
    /** Shorts with one lane per float lane, for widening f16/bf16 → float. */
    public static final VectorSpecies<Short> S_PER_F = ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(BITS / 2));

    /**
     * Shorts at the full bit size: the 16-bit lanes of the interleaved Q4_0 kernel. The one
     * exception to one species per element type: f16/bf16 widening needs one short per float lane
     * ({@link #S_PER_F}), and loading it from this species instead (masked, or full-width with
     * half the lanes used) made the F16 GEMV 3–4× slower. The two share no vector operation but
     * the static, species-constant loads, and {@code SteadyStateAllocationTest} runs the F16
     * kernels before the interleaved one to catch a profile either leaves the other.
     */
    public static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(BITS));

    /**
     * Longs at the full bit size: pairs of int lanes moved as one, in the Q4_0 GEMM's transpose of
     * its activations (the only use).
     */
    public static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(BITS));

    /**
     * Bytes with one lane per short lane of {@link #S}: read and sign-extended to shorts on load
     * (the interleaved Q8_0 and Q6_K kernels, whose tiles hold signed bytes).
     */
    public static final VectorSpecies<Byte> B_PER_S = ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(BITS / 2));

    /** Float lanes per vector. */
    public static final int F_LANES = F.length();

    /** True when {@link #B_PER_F} has more lanes than a float vector (only at 128 bits). */
    public static final boolean B_PER_F_PADDED = B_PER_F.length() > F_LANES;

    /** The lanes of {@link #B_PER_F} that correspond to float lanes. */
    public static final VectorMask<Byte> B_PER_F_USED = B_PER_F.indexInRange(0, F_LANES);

    private static int chooseBits() {
        int hw = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        String prop = System.getProperty("llmj.vector.bits");
        if (prop == null || prop.isBlank()) {
            return hw;
        }
        int want = Integer.parseInt(prop.trim());
        if (want != 128 && want != 256 && want != 512) {
            throw new IllegalArgumentException("llmj.vector.bits must be 128, 256 or 512, got " + prop);
        }
        return Math.min(want, hw);
    }
}
