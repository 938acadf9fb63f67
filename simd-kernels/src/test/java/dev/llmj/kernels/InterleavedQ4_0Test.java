package dev.llmj.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The interleaved layout's packing and the facade's checks on bad arguments. */
class InterleavedQ4_0Test {
    @Test
    void fourNibblesPacksLowNibblesInOrderWithTheTopBitFlipped() {
        // bytes 0x?1 0x?2 0x?F 0x?8 → nibbles 1, 2, 15, 8 → flipped 9, A, 7, 0
        assertEquals((short) 0x07A9, InterleavedQ4_0.fourNibbles(0xE8_DF_C2_B1));
        assertEquals((short) 0x8888, InterleavedQ4_0.fourNibbles(0));
    }

    @Test
    void aPartialLastTileIsPaddedAndSized() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor w = Tensor.allocate(arena, DType.Q4_0, 33, 64);
            InterleavedQ4_0 iw = InterleavedQ4_0.of(w, arena, KernelExecutor.singleThread());
            assertEquals(2, iw.rowGroups());
            assertEquals(2 * 2 * InterleavedQ4_0.TILE_BYTES, iw.tiles().byteSize());
            assertEquals(2 * 2 * InterleavedQ4_0.TILE_BYTES, InterleavedQ4_0.bytes(33, 64));
        }
    }

    @Test
    void badArgumentsAreRejectedWithTheirNames() {
        Kernels k = Kernels.get();
        try (Arena arena = Arena.ofConfined()) {
            InterleavedQ4_0 iw = InterleavedQ4_0.of(Tensor.allocate(arena, DType.Q4_0, 8, 64), arena,
                    KernelExecutor.singleThread());
            MemorySegment x = arena.allocate(4L * 64, 64);
            MemorySegment y = arena.allocate(4L * 8, 64);
            assertThrows(IllegalArgumentException.class, () -> k.gemvBatch(iw, x, 0, 0, y, 0));
            IndexOutOfBoundsException shortX = assertThrows(IndexOutOfBoundsException.class,
                    () -> k.gemvBatch(iw, x, 0, 2, y, 0));
            assertTrue(shortX.getMessage().startsWith("xs (2×64)"), shortX.getMessage());
            IndexOutOfBoundsException shortY = assertThrows(IndexOutOfBoundsException.class,
                    () -> k.gemvBatch(iw, x, 0, 1, y, 4));
            assertTrue(shortY.getMessage().startsWith("ys (1×8)"), shortY.getMessage());
            InterleavedQ4_0 narrow = InterleavedQ4_0.of(Tensor.allocate(arena, DType.Q4_0, 8, 32), arena,
                    KernelExecutor.singleThread());
            IllegalArgumentException widths = assertThrows(IllegalArgumentException.class,
                    () -> k.gemvBatchGroup(new InterleavedQ4_0[] {iw, narrow}, x, 0, 1, new MemorySegment[] {y, y}));
            assertTrue(widths.getMessage().contains("one width"), widths.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> new InterleavedQ4_0(iw.source(), arena.allocate(10), 8, 64));
        }
    }
}
