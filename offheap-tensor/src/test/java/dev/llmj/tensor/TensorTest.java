package dev.llmj.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class TensorTest {

    private static float[] iota(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    @Test
    void allocationIsAlignedAndZeroed() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.allocate(arena, DType.F32, 3, 5);
            assertEquals(0, t.base().address() % Tensor.ALIGNMENT);
            assertEquals(60, t.byteSize());
            for (float f : t.toFloatArray()) {
                assertEquals(0f, f);
            }
        }
    }

    @Test
    void rowViewsAliasTheParentsMemory() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor m = Tensor.ofFloats(arena, iota(12), 3, 4);
            Tensor row = m.row(1);
            assertArrayEquals(new long[] {4}, row.shape());
            assertEquals(4f, row.getFloat(0));
            row.setFloat(-1f, 2);
            assertEquals(-1f, m.getFloat(1, 2), "a write through the view is visible in the parent");
            assertEquals(m.base(), row.base());

            Tensor range = m.rowRange(1, 3);
            assertArrayEquals(new long[] {2, 4}, range.shape());
            assertEquals(11f, range.getFloat(1, 3));
            assertEquals(m.rowOffset(1), range.rowOffset(0));
            m.setFloat(42f, 2, 0);
            assertEquals(42f, range.getFloat(1, 0), "a write to the parent is visible in the view");
        }
    }

    @Test
    void reshapeAndTransposeAreZeroCopy() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor m = Tensor.ofFloats(arena, iota(12), 3, 4);
            Tensor r = m.reshape(2, 6);
            assertEquals(7f, r.getFloat(1, 1));
            Tensor t = m.transpose();
            assertArrayEquals(new long[] {4, 3}, t.shape());
            assertFalse(t.isContiguous());
            assertEquals(m.getFloat(2, 1), t.getFloat(1, 2));
            assertArrayEquals(new float[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, t.toFloatArray());
            assertThrows(IllegalStateException.class, () -> t.reshape(12));
            assertThrows(IllegalArgumentException.class, () -> m.reshape(5, 2));
        }
    }

    @Test
    void accessAfterTheArenaClosesThrows() {
        Arena arena = Arena.ofConfined();
        Tensor t = Tensor.ofFloats(arena, iota(8), 2, 4);
        Tensor view = t.row(1);
        arena.close();
        assertThrows(IllegalStateException.class, () -> t.getFloat(0, 0));
        assertThrows(IllegalStateException.class, () -> view.setFloat(1f, 0));
        assertThrows(IllegalStateException.class, t::toFloatArray);
    }

    @Test
    void halfPrecisionElementAccessRoundsToNearestEven() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor h = Tensor.allocate(arena, DType.F16, 4);
            Tensor b = Tensor.allocate(arena, DType.BF16, 4);
            float[] values = {1f, -2.5f, 65504f, 1f + 1f / 2048f};
            for (int i = 0; i < 4; i++) {
                h.setFloat(values[i], i);
                b.setFloat(values[i], i);
            }
            assertArrayEquals(new float[] {1f, -2.5f, 65504f, 1f}, h.toFloatArray(), "1 + 2^-11 is a tie, rounds to even");
            assertEquals(-2.5f, b.getFloat(1));
            assertEquals(65536f, b.getFloat(2), "bf16 keeps 8 mantissa bits");
            short nan = HalfFloats.floatToBf16(Float.NaN);
            assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(nan)));
        }
    }

    @Test
    void badShapesAndBoundsAreRejected() {
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class, () -> Tensor.allocate(arena, DType.F32, 2, -1));
            assertThrows(IllegalArgumentException.class, () -> Tensor.allocate(arena, DType.Q8_0, 2, 33));
            assertThrows(ArithmeticException.class, () -> Tensor.allocate(arena, DType.F32, 1L << 40, 1L << 40));
            MemorySegment seg = arena.allocate(64);
            assertThrows(IndexOutOfBoundsException.class, () -> Tensor.wrap(seg, 8, DType.F32, 15));
            assertThrows(IndexOutOfBoundsException.class, () -> Tensor.wrap(seg, -4, DType.F32, 1));
            Tensor m = Tensor.wrap(seg, 0, DType.F32, 4, 4);
            assertThrows(IndexOutOfBoundsException.class, () -> m.getFloat(4, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> m.row(4));
            assertThrows(IllegalArgumentException.class, () -> m.getFloat(1));
        }
    }

    @Test
    void quantizedRowsStartOnBlocks() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor q = Tensor.allocate(arena, DType.Q4_0, 3, 64);
            assertEquals(36, q.rowBytes());
            assertEquals(72, q.rowOffset(2));
            assertEquals(36, q.row(1).byteOffset());
            assertThrows(UnsupportedOperationException.class, () -> q.getFloat(0, 0));
        }
    }
}
