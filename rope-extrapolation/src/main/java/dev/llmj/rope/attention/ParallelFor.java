package dev.llmj.rope.attention;

import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * The parallel-for hook attention runs its per-head work through: call {@code body} once for each
 * index in 0..count−1 (in any order, on any threads) and return when all calls have finished.
 * A tiny interface so the runtime can plug in its own executor (the kernels module has none yet).
 */
@FunctionalInterface
public interface ParallelFor {

    void forEach(int count, IntConsumer body);

    /** Runs everything on the calling thread, in index order. */
    ParallelFor SERIAL = (count, body) -> {
        for (int i = 0; i < count; i++) {
            body.accept(i);
        }
    };

    /** Spreads the indices over the common fork/join pool. */
    ParallelFor COMMON_POOL = (count, body) -> IntStream.range(0, count).parallel().forEach(body);
}
