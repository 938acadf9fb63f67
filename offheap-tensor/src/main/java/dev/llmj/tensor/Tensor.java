package dev.llmj.tensor;

import dev.llmj.tensor.quant.Codecs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * An n-dimensional array whose bytes live in a {@link MemorySegment}.
 *
 * <p>The tensor does not own memory: the segment belongs to an {@link Arena} owned by the caller
 * (or to a mapped model file). Once that arena is closed every access through this tensor throws
 * {@link IllegalStateException}, because all reads go through the segment.
 *
 * <p>Shapes are row-major, outermost dimension first: a weight matrix {@code y = W·x} with
 * {@code out} rows of {@code in} columns has shape {@code [out, in]}. (GGUF lists dimensions in the
 * opposite order, fastest first; {@link dev.llmj.tensor.gguf.GgufReader} converts.) Strides are in
 * elements. For block-quantized dtypes the last dimension must be contiguous and a whole number of
 * blocks, and outer strides must be multiples of the block size, so every row starts on a block.
 */
public final class Tensor {
    /** Alignment of every allocation: one cache line, and one full 512-bit vector. */
    public static final long ALIGNMENT = 64;

    private final MemorySegment base;
    private final long offset;
    private final DType dtype;
    private final long[] shape;
    private final long[] strides;

    private Tensor(MemorySegment base, long offset, DType dtype, long[] shape, long[] strides) {
        this.base = base;
        this.offset = offset;
        this.dtype = dtype;
        this.shape = shape;
        this.strides = strides;
    }

    // ---- construction -------------------------------------------------------------------------

    /** A zero-filled contiguous tensor in {@code arena}, 64-byte aligned. */
    public static Tensor allocate(Arena arena, DType dtype, long... shape) {
        Objects.requireNonNull(arena, "arena");
        long[] s = checkShape(dtype, shape);
        long bytes = dtype.byteSize(product(s));
        MemorySegment seg = arena.allocate(Math.max(bytes, 1), ALIGNMENT);
        return new Tensor(seg, 0, dtype, s, rowMajorStrides(s));
    }

    /** An F32 tensor in {@code arena} holding a copy of {@code data}. */
    public static Tensor ofFloats(Arena arena, float[] data, long... shape) {
        Tensor t = allocate(arena, DType.F32, shape);
        if (t.elementCount() != data.length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " holds " + t.elementCount() + " elements, data has " + data.length);
        }
        MemorySegment.copy(data, 0, t.base, LE.FLOAT, 0, data.length);
        return t;
    }

    /**
     * A contiguous zero-copy view of {@code segment} starting at {@code byteOffset}.
     *
     * @throws IndexOutOfBoundsException if the tensor's bytes do not fit in the segment
     */
    public static Tensor wrap(MemorySegment segment, long byteOffset, DType dtype, long... shape) {
        Objects.requireNonNull(segment, "segment");
        long[] s = checkShape(dtype, shape);
        long bytes = dtype.byteSize(product(s));
        if (byteOffset < 0 || byteOffset > segment.byteSize() || bytes > segment.byteSize() - byteOffset) {
            throw new IndexOutOfBoundsException("tensor of " + bytes + " bytes at offset " + byteOffset
                    + " does not fit in a segment of " + segment.byteSize() + " bytes");
        }
        return new Tensor(segment, byteOffset, dtype, s, rowMajorStrides(s));
    }

    private static long[] checkShape(DType dtype, long[] shape) {
        Objects.requireNonNull(dtype, "dtype");
        if (shape.length == 0) {
            throw new IllegalArgumentException("a tensor needs at least one dimension");
        }
        long[] s = shape.clone();
        long n = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] < 0) {
                throw new IllegalArgumentException("dimension " + i + " is negative: " + Arrays.toString(s));
            }
            n = Math.multiplyExact(n, s[i]);
        }
        if (dtype.isQuantized() && s[s.length - 1] % dtype.blockSize() != 0) {
            throw new IllegalArgumentException(dtype + " rows must be a multiple of " + dtype.blockSize()
                    + " elements; shape " + Arrays.toString(s));
        }
        dtype.byteSize(n); // overflow check
        return s;
    }

    private static long product(long[] s) {
        long n = 1;
        for (long d : s) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    private static long[] rowMajorStrides(long[] shape) {
        long[] st = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            st[i] = acc;
            acc *= shape[i];
        }
        return st;
    }

    // ---- shape --------------------------------------------------------------------------------

    public DType dtype() {
        return dtype;
    }

    public int rank() {
        return shape.length;
    }

    public long[] shape() {
        return shape.clone();
    }

    public long dim(int i) {
        return shape[i];
    }

    public long[] strides() {
        return strides.clone();
    }

    public long elementCount() {
        return product(shape);
    }

    /** Number of rows when viewed as a matrix: the product of every dimension but the last. */
    public long rows() {
        long r = 1;
        for (int i = 0; i < shape.length - 1; i++) {
            r *= shape[i];
        }
        return r;
    }

    /** Length of the last dimension. */
    public long cols() {
        return shape[shape.length - 1];
    }

    public boolean isContiguous() {
        return Arrays.equals(strides, rowMajorStrides(shape));
    }

    /** The segment this tensor views (whole allocation or mapped file); see {@link #byteOffset()}. */
    public MemorySegment base() {
        return base;
    }

    /** Byte offset of the first element within {@link #base()}. */
    public long byteOffset() {
        return offset;
    }

    /** Bytes of a contiguous tensor. */
    public long byteSize() {
        requireContiguous("byteSize");
        return dtype.byteSize(elementCount());
    }

    /** The tensor's bytes as a zero-copy slice (contiguous tensors only). */
    public MemorySegment segment() {
        return base.asSlice(offset, byteSize());
    }

    /** Bytes of one row of the last dimension. */
    public long rowBytes() {
        return dtype.byteSize(cols());
    }

    /**
     * Byte offset within {@link #base()} of matrix row {@code row} (rows counted over all leading
     * dimensions, as in {@link #rows()}).
     */
    public long rowOffset(long row) {
        Objects.checkIndex(row, rows());
        if (strides[shape.length - 1] != 1) {
            throw new IllegalStateException("rows are not contiguous in this view");
        }
        long elementIndex = 0;
        long rem = row;
        for (int i = shape.length - 2; i >= 0; i--) {
            elementIndex += (rem % shape[i]) * strides[i];
            rem /= shape[i];
        }
        return offset + elementIndex / dtype.blockSize() * dtype.blockBytes();
    }

    // ---- views --------------------------------------------------------------------------------

    /** Index {@code i} of the first dimension, dropping it (a row of a matrix, a matrix of a 3-D tensor). */
    public Tensor row(long i) {
        if (shape.length < 2) {
            throw new IllegalStateException("row() needs rank ≥ 2, this tensor has shape " + Arrays.toString(shape));
        }
        Objects.checkIndex(i, shape[0]);
        long[] s = Arrays.copyOfRange(shape, 1, shape.length);
        long[] st = Arrays.copyOfRange(strides, 1, strides.length);
        return new Tensor(base, offset + elementOffsetBytes(i * strides[0]), dtype, s, st);
    }

    /** Indices {@code [from, to)} of the first dimension. */
    public Tensor rowRange(long from, long to) {
        Objects.checkFromToIndex(from, to, shape[0]);
        long[] s = shape.clone();
        s[0] = to - from;
        return new Tensor(base, offset + elementOffsetBytes(from * strides[0]), dtype, s, strides.clone());
    }

    /** The same bytes under a new shape with the same element count (contiguous tensors only). */
    public Tensor reshape(long... newShape) {
        requireContiguous("reshape");
        long[] s = checkShape(dtype, newShape);
        if (product(s) != elementCount()) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " ("
                    + elementCount() + " elements) to " + Arrays.toString(newShape));
        }
        return new Tensor(base, offset, dtype, s, rowMajorStrides(s));
    }

    /** Swaps the last two dimensions without copying (plain dtypes only). */
    public Tensor transpose() {
        if (shape.length < 2 || dtype.isQuantized()) {
            throw new IllegalStateException("transpose needs rank ≥ 2 and a plain dtype, got "
                    + dtype + " " + Arrays.toString(shape));
        }
        long[] s = shape.clone();
        long[] st = strides.clone();
        int a = s.length - 2;
        int b = s.length - 1;
        long t = s[a]; s[a] = s[b]; s[b] = t;
        t = st[a]; st[a] = st[b]; st[b] = t;
        return new Tensor(base, offset, dtype, s, st);
    }

    private long elementOffsetBytes(long elements) {
        return elements / dtype.blockSize() * dtype.blockBytes();
    }

    // ---- element access (F32 / F16 / BF16) --------------------------------------------------------

    private long byteAddress(long[] idx) {
        if (idx.length != shape.length) {
            throw new IllegalArgumentException("index of rank " + idx.length + " for a tensor of shape " + Arrays.toString(shape));
        }
        if (dtype.isQuantized()) {
            throw new UnsupportedOperationException("element access is not defined for " + dtype + "; dequantize first");
        }
        long e = 0;
        for (int i = 0; i < idx.length; i++) {
            Objects.checkIndex(idx[i], shape[i]);
            e += idx[i] * strides[i];
        }
        return offset + e * dtype.blockBytes();
    }

    public float getFloat(long... idx) {
        long at = byteAddress(idx);
        return switch (dtype) {
            case F32 -> base.get(LE.FLOAT, at);
            case F16 -> HalfFloats.f16ToFloat(base.get(LE.SHORT, at));
            case BF16 -> HalfFloats.bf16ToFloat(base.get(LE.SHORT, at));
            default -> throw new UnsupportedOperationException("getFloat on " + dtype);
        };
    }

    public void setFloat(float value, long... idx) {
        long at = byteAddress(idx);
        switch (dtype) {
            case F32 -> base.set(LE.FLOAT, at, value);
            case F16 -> base.set(LE.SHORT, at, HalfFloats.floatToF16(value));
            case BF16 -> base.set(LE.SHORT, at, HalfFloats.floatToBf16(value));
            default -> throw new UnsupportedOperationException("setFloat on " + dtype);
        }
    }

    /** All elements as floats in row-major order, dequantizing block types. */
    public float[] toFloatArray() {
        long n = elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("tensor of " + n + " elements does not fit in a Java array");
        }
        float[] out = new float[(int) n];
        int cols = Math.toIntExact(cols());
        long rows = rows();
        if (dtype.isQuantized() || strides[shape.length - 1] == 1) {
            for (long r = 0; r < rows; r++) {
                Codecs.forType(dtype).dequantize(base, rowOffset(r), out, (int) (r * cols), cols);
            }
        } else {
            long[] idx = new long[shape.length];
            for (int i = 0; i < n; i++) {
                out[i] = getFloat(idx);
                for (int d = shape.length - 1; d >= 0 && ++idx[d] == shape[d]; d--) {
                    idx[d] = 0;
                }
            }
        }
        return out;
    }

    private void requireContiguous(String what) {
        if (!isContiguous()) {
            throw new IllegalStateException(what + " needs a contiguous tensor; shape " + Arrays.toString(shape)
                    + " strides " + Arrays.toString(strides));
        }
    }

    @Override
    public String toString() {
        return "Tensor[" + dtype + " " + Arrays.toString(shape) + " @" + offset + "]";
    }
}
