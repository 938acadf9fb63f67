package dev.llmj.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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

    /**
     * Released pages leave the process (its file-backed resident memory drops by about their
     * size) and read back with the same bytes; only whole pages inside the region go.
     */
    @Test
    void releaseDropsWholePagesOfAMappingAndTheBytesReadBack() throws Exception {
        assumeTrue(System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux"), "madvise is Linux's");
        int size = 32 << 20;
        byte[] bytes = new byte[size];
        new java.util.Random(5).nextBytes(bytes);
        Path file = Files.write(dir.resolve("big.bin"), bytes);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment seg = MappedFile.readOnly(file, arena);
            long sum = checksum(seg);
            long before = rssFileKb();
            assertEquals(size, MappedFile.release(seg));
            long after = rssFileKb();
            assertTrue(before - after >= 24 * 1024, "resident file pages " + before + " → " + after + " kB");
            assertEquals(sum, checksum(seg));
            assertArrayEquals(bytes, seg.toArray(ValueLayout.JAVA_BYTE));
            assertEquals(0, MappedFile.release(seg.asSlice(100, 4000)), "no whole page inside");
            assertEquals(4096, MappedFile.release(seg.asSlice(100, 8192)), "one whole page inside");
        }
    }

    /** Dropping anonymous pages would zero them: anything but a live mapping is left alone. */
    @Test
    void releaseLeavesOtherMemoryAlone() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment own = arena.allocate(1 << 20, 4096);
            for (long i = 0; i < own.byteSize(); i += 8) {
                own.set(ValueLayout.JAVA_LONG, i, i * 7 + 1);
            }
            assertEquals(0, MappedFile.release(own));
            for (long i = 0; i < own.byteSize(); i += 8) {
                assertEquals(i * 7 + 1, own.get(ValueLayout.JAVA_LONG, i));
            }
            assertEquals(0, MappedFile.release(MemorySegment.ofArray(new byte[1 << 16])));
        }
        Path file = Files.write(dir.resolve("closed.bin"), new byte[1 << 16]);
        MemorySegment closed;
        try (Arena arena = Arena.ofShared()) {
            closed = MappedFile.readOnly(file, arena);
        }
        assertEquals(0, MappedFile.release(closed), "a closed mapping");
    }

    private static long checksum(MemorySegment s) {
        long sum = 0;
        for (long i = 0; i + 8 <= s.byteSize(); i += 8) {
            sum = sum * 31 + s.get(ValueLayout.JAVA_LONG_UNALIGNED, i);
        }
        return sum;
    }

    private static long rssFileKb() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("RssFile:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new AssertionError("no RssFile in /proc/self/status");
    }
}
