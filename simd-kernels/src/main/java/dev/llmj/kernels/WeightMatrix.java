package dev.llmj.kernels;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A weight tensor seen as evenly spaced rows: row r starts at {@code offset + r · rowStride} bytes
 * in {@code base}. Kernels address rows this way instead of calling {@link Tensor#rowOffset} per row.
 */
public record WeightMatrix(MemorySegment base, long offset, long rowStride, int rows, int cols, DType dtype) {

    /** Byte offset of row {@code r} in {@link #base()}. */
    public long row(int r) {
        return offset + r * rowStride;
    }

    /**
     * @throws IllegalArgumentException when the dtype cannot be computed with, the sizes exceed an
     *     int, or rows are not evenly spaced with contiguous columns
     */
    public static WeightMatrix of(Tensor w) {
        if (w == null) {
            throw new NullPointerException("weight tensor is null");
        }
        DType t = w.dtype();
        if (!t.isDecodable()) {
            throw new UnsupportedOperationException("weights of dtype " + t + " cannot be computed with");
        }
        long rows = w.rows();
        long cols = w.cols();
        if (rows > Integer.MAX_VALUE || cols > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("weight matrix " + Arrays.toString(w.shape()) + " exceeds int sizes");
        }
        if (w.strides()[w.rank() - 1] != 1 || (w.rank() > 2 && !w.isContiguous())) {
            throw new IllegalArgumentException("weight rows must be evenly spaced with contiguous columns: "
                    + w + " strides " + Arrays.toString(w.strides()));
        }
        long stride = rows > 1 ? w.rowOffset(1) - w.rowOffset(0) : w.rowBytes();
        long first = rows > 0 ? w.rowOffset(0) : w.byteOffset();
        return new WeightMatrix(w.base(), first, stride, (int) rows, (int) cols, t);
    }
}
