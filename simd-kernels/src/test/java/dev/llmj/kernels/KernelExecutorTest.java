package dev.llmj.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class KernelExecutorTest {

    /**
     * Every item of [0, n) lands in exactly one range; ranges are at least minChunk long but the
     * last, and there are at most 2·threads of them (each range start is a new stream through the
     * weights for the GEMV kernels).
     */
    @Test
    void parallelRangesCoverEveryItemOnceInRangesOfAtLeastMinChunk() {
        try (KernelExecutor ex = KernelExecutor.withThreads(2)) {
            for (int n : new int[] {1, 15, 31, 32, 33, 768, 2048, 32000}) {
                for (int min : new int[] {1, 4, 16}) {
                    AtomicIntegerArray seen = new AtomicIntegerArray(n);
                    List<int[]> ranges = new ArrayList<>();
                    ex.parallelRanges(n, min, (from, to) -> {
                        synchronized (ranges) {
                            ranges.add(new int[] {from, to});
                        }
                        for (int i = from; i < to; i++) {
                            seen.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, seen.get(i), "n=" + n + " min=" + min + ": item " + i);
                    }
                    assertTrue(ranges.size() <= 4, "n=" + n + " min=" + min + ": " + ranges.size() + " ranges");
                    for (int[] r : ranges) {
                        assertTrue(r[1] - r[0] >= min || r[1] == n, "n=" + n + " min=" + min + ": short range "
                                + r[0] + ".." + r[1]);
                    }
                }
            }
        }
    }

    @Test
    void parallelForRunsEachIndexOnceAndNestedCallsRunInline() {
        try (KernelExecutor ex = KernelExecutor.withThreads(2)) {
            AtomicIntegerArray seen = new AtomicIntegerArray(50 * 7);
            ex.parallelFor(50, i -> ex.parallelFor(7, j -> seen.incrementAndGet(i * 7 + j)));
            for (int i = 0; i < seen.length(); i++) {
                assertEquals(1, seen.get(i), "index " + i);
            }
        }
    }

    @Test
    void aTaskFailureReachesTheCaller() {
        try (KernelExecutor ex = KernelExecutor.withThreads(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ex.parallelRanges(1000, 10,
                    (from, to) -> {
                        if (from <= 500 && 500 < to) {
                            throw new IllegalStateException("range with item 500");
                        }
                    }));
            assertEquals("range with item 500", e.getMessage());
        }
    }
}
