package dev.llmj.tensor.quant;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.EnumMap;
import java.util.Map;

/** The codec of each decodable dtype, and whole-tensor conversions built on them. */
public final class Codecs {
    private Codecs() {}

    private static final Map<DType, BlockCodec> CODECS = new EnumMap<>(DType.class);

    static {
        for (BlockCodec c : new BlockCodec[] {
                new PlainCodecs.F32(), new PlainCodecs.F16(), new PlainCodecs.BF16(),
                new Q8_0Codec(), new Q4_0Codec(), new Q4_KCodec(), new Q6_KCodec()}) {
            CODECS.put(c.dtype(), c);
        }
    }

    /** @throws UnsupportedOperationException naming the dtype when it cannot be decoded */
    public static BlockCodec forType(DType dtype) {
        BlockCodec c = CODECS.get(dtype);
        if (c == null) {
            throw new UnsupportedOperationException("dtype " + dtype + " (ggml type " + dtype.ggmlId()
                    + ") cannot be decoded by this library; supported: " + CODECS.keySet());
        }
        return c;
    }

    /**
     * A new contiguous tensor of {@code target} dtype in {@code arena} holding {@code source}'s
     * values, converted row by row (dequantize to F32, then encode).
     */
    public static Tensor convert(Tensor source, DType target, Arena arena) {
        BlockCodec dec = forType(source.dtype());
        BlockCodec enc = forType(target);
        Tensor out = Tensor.allocate(arena, target, source.shape());
        int cols = Math.toIntExact(source.cols());
        float[] row = new float[cols];
        for (long r = 0; r < source.rows(); r++) {
            dec.dequantize(source.base(), source.rowOffset(r), row, 0, cols);
            enc.quantize(row, 0, out.base(), out.rowOffset(r), cols);
        }
        return out;
    }
}
