package dev.llmj.tensor.gguf;

import dev.llmj.tensor.DType;
import java.util.Arrays;

/**
 * One entry of a GGUF file's tensor table.
 *
 * @param name           tensor name
 * @param dtype          element type
 * @param ggmlDims       dimensions in GGUF order, fastest-varying first ({@code ne[0]} = row length)
 * @param relativeOffset byte offset of the data within the data section, as stored in the file
 * @param absoluteOffset byte offset of the data within the file
 * @param byteSize       bytes of the data
 */
public record GgufTensorInfo(
        String name, DType dtype, long[] ggmlDims, long relativeOffset, long absoluteOffset, long byteSize) {

    public GgufTensorInfo {
        ggmlDims = ggmlDims.clone();
    }

    @Override
    public long[] ggmlDims() {
        return ggmlDims.clone();
    }

    /** Row-major shape (the GGUF dimensions reversed): {@code [rows, cols]} with cols = ne[0]. */
    public long[] shape() {
        long[] s = new long[ggmlDims.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = ggmlDims[s.length - 1 - i];
        }
        return s;
    }

    /** Number of elements (validated not to overflow when the file was read). */
    public long elementCount() {
        long n = 1;
        for (long d : ggmlDims) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && dtype == t.dtype
                && Arrays.equals(ggmlDims, t.ggmlDims) && relativeOffset == t.relativeOffset
                && absoluteOffset == t.absoluteOffset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(ggmlDims);
    }

    @Override
    public String toString() {
        return "GgufTensorInfo[" + name + " " + dtype + " ne=" + Arrays.toString(ggmlDims) + " @" + absoluteOffset
                + " (" + byteSize + " bytes)]";
    }
}
