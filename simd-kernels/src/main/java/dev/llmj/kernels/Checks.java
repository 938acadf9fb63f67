package dev.llmj.kernels;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/** Argument checks of the public facade and the interleaved layouts; each failure names the argument and the numbers involved. */
final class Checks {
    private Checks() {}

    /** The tiles of an interleaved copy of a rows × cols matrix must hold its {@code needed} bytes. */
    static void tiles(MemorySegment tiles, int rows, int cols, long needed) {
        if (tiles.byteSize() < needed) {
            throw new IllegalArgumentException("tiles hold " + tiles.byteSize() + " bytes, a " + rows + "×" + cols
                    + " matrix needs " + needed);
        }
    }

    /** {@code w} as a matrix, which must be of {@code dtype}, the one a layout interleaves. */
    static WeightMatrix interleavable(Tensor w, DType dtype) {
        WeightMatrix wm = WeightMatrix.of(w);
        if (wm.dtype() != dtype) {
            throw new IllegalArgumentException("only " + dtype + " weights can be interleaved here, got " + wm.dtype() + " " + w);
        }
        return wm;
    }

    /**
     * A scale an interleaved layout copies must be a finite binary16 (the kernels widen scales as
     * finite values only); {@code what} names it, {@code where} its row and block. Callers test the
     * bits first, so that the message is built only on failure.
     */
    static void finiteScale(short d, String what, String where, Tensor source) {
        if ((d & 0x7C00) == 0x7C00) {
            throw new IllegalArgumentException(where + " of " + source + " has a non-finite " + what + " (binary16 0x"
                    + Integer.toHexString(d & 0xFFFF) + "); only matrices with finite scales are interleaved");
        }
    }

    static void length(String what, long n) {
        if (n < 0) {
            throw new IllegalArgumentException(what + " is negative: " + n);
        }
    }

    /** {@code count} elements of {@code dtype} at byte {@code off} must lie inside {@code seg}. */
    static void span(String name, MemorySegment seg, long off, long count, DType dtype) {
        Objects.requireNonNull(seg, name);
        if (count % dtype.blockSize() != 0) {
            throw new IllegalArgumentException(name + ": " + dtype + " holds whole blocks of " + dtype.blockSize()
                    + " elements; length " + count + " is not a multiple");
        }
        long bytes = count / dtype.blockSize() * dtype.blockBytes();
        if (off < 0 || off > seg.byteSize() || bytes > seg.byteSize() - off) {
            throw new IndexOutOfBoundsException(name + ": " + count + " " + dtype + " elements (" + bytes
                    + " bytes) at byte offset " + off + " do not fit in a segment of " + seg.byteSize() + " bytes");
        }
    }

    static void f32(String name, MemorySegment seg, long off, long count) {
        span(name, seg, off, count, DType.F32);
    }

    /** A strided F32 matrix of {@code rows} × {@code cols} with row stride {@code ld} elements. */
    static void matrix(String name, MemorySegment seg, long off, int rows, int cols, int ld) {
        Objects.requireNonNull(seg, name);
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException(name + ": negative shape " + rows + "×" + cols);
        }
        if (ld < cols) {
            throw new IllegalArgumentException(name + ": row stride " + ld + " is smaller than the " + cols + " columns");
        }
        if (rows == 0 || cols == 0) {
            f32(name, seg, off, 0);
            return;
        }
        f32(name, seg, off, (long) (rows - 1) * ld + cols);
    }
}
