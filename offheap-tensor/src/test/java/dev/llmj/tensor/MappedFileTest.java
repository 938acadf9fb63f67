package dev.llmj.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MappedFileTest {
    @TempDir
    Path dir;

    @Test
    void mapsTheWholeFileReadOnlyAsThePlainNativeSegmentClass() throws Exception {
        byte[] bytes = new byte[4099];
        for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) (i * 31);
        Path file = Files.write(dir.resolve("w.bin"), bytes);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment seg = MappedFile.readOnly(file, arena);
            assertArrayEquals(bytes, seg.toArray(ValueLayout.JAVA_BYTE));
            assertTrue(seg.isReadOnly());
            assertThrows(IllegalArgumentException.class, () -> seg.set(ValueLayout.JAVA_BYTE, 0, (byte) 1));
            // the same class as the scratch and caches the kernels also read: one receiver type
            // for the JDK's shared segment code (the reason MappedFile exists)
            assertEquals(arena.allocate(8).getClass(), seg.getClass());
            assertEquals(arena.allocate(8).getClass(), seg.asSlice(3, 100).getClass());
        }
    }

    @Test
    void closingTheArenaUnmapsAndLaterAccessThrows() throws Exception {
        Path file = Files.write(dir.resolve("x.bin"), new byte[64]);
        MemorySegment seg;
        try (Arena arena = Arena.ofConfined()) {
            seg = MappedFile.readOnly(file, arena);
            assertEquals(64, seg.byteSize());
        }
        assertThrows(IllegalStateException.class, () -> seg.get(ValueLayout.JAVA_BYTE, 0));
    }
}
