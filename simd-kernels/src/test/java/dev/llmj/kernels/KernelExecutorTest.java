package dev.llmj.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntUnaryOperator;
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

    /**
     * parallelSplit: [0, n) is cut into one equal range per thread, and every unit of every range
     * runs exactly once, whether a unit is an item or a pair of items (units = ⌈length / 2⌉).
     */
    @Test
    void parallelSplitRunsEveryUnitOfEveryRangeOnce() {
        for (int threads : new int[] {1, 2, 3}) {
            try (KernelExecutor ex = KernelExecutor.withThreads(threads)) {
                for (int n : new int[] {1, 2, 3, 7, 24, 72, 1000}) {
                    for (IntUnaryOperator unitsOf : new IntUnaryOperator[] {len -> len, len -> (len + 1) / 2}) {
                        int ranges = Math.min(threads, n);
                        AtomicIntegerArray seen = new AtomicIntegerArray(n);
                        ex.parallelSplit(n, unitsOf, (from, to, u0, u1) -> {
                            int r = 0;
                            while (r < ranges && (long) n * r / ranges != from) {
                                r++;
                            }
                            assertTrue(r < ranges, "n=" + n + ": no range starts at " + from);
                            assertEquals((long) n * (r + 1) / ranges, to, "n=" + n + ": end of the range from " + from);
                            assertTrue(0 <= u0 && u0 < u1 && u1 <= unitsOf.applyAsInt(to - from),
                                    "n=" + n + ": units " + u0 + ".." + u1 + " of range " + from + ".." + to);
                            for (int u = u0; u < u1; u++) {
                                seen.incrementAndGet(from + u);
                            }
                        });
                        for (int r = 0; r < ranges; r++) {
                            int from = (int) ((long) n * r / ranges);
                            int to = (int) ((long) n * (r + 1) / ranges);
                            for (int i = from; i < to; i++) {
                                int expected = i - from < unitsOf.applyAsInt(to - from) ? 1 : 0;
                                assertEquals(expected, seen.get(i), threads + " threads, n=" + n + ": unit " + (i - from)
                                        + " of range " + r);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * A thread that stalls inside its own range (a busy shared core) does not hold the job up:
     * the other thread, done with its range, takes every unit of the stalled range still unclaimed.
     */
    @Test
    void parallelSplitHandsAStalledRangesRestToTheOtherThread() {
        try (KernelExecutor ex = KernelExecutor.withThreads(2)) {
            int n = 64;
            AtomicReferenceArray<Thread> ranBy = new AtomicReferenceArray<>(n);
            ex.parallelSplit(n, len -> len, (from, to, u0, u1) -> {
                for (int u = u0; u < u1; u++) {
                    ranBy.set(from + u, Thread.currentThread());
                }
                if (from == 0 && u0 == 0) {
                    try {
                        Thread.sleep(300);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            Thread stalled = ranBy.get(0);
            for (int i = 1; i < n; i++) {
                assertTrue(ranBy.get(i) != stalled, "unit " + i + " waited for the stalled thread");
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

    /** A unit that throws, whichever thread runs it (owner or thief), fails the call with its exception. */
    @Test
    void aFailingUnitOfParallelSplitReachesTheCaller() {
        try (KernelExecutor ex = KernelExecutor.withThreads(2)) {
            for (int bad : new int[] {0, 31, 32, 63}) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> ex.parallelSplit(64, len -> len,
                        (from, to, u0, u1) -> {
                            if (from + u0 <= bad && bad < from + u1) {
                                throw new IllegalStateException("unit " + bad);
                            }
                        }));
                assertEquals("unit " + bad, e.getMessage());
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
