package dev.llmj.bench;

import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * F32 C = A·Bᵀ (row-major; A [m, k], B [n, k] weights, C [m, n]): our packed GEMM against OpenBLAS
 * {@code cblas_sgemm} called through FFM, both on {@code threads} threads (0 = every core).
 * The {@code openblas} method fails its setup with a message when the library is absent, and JMH
 * goes on with the other benchmarks.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GemmBenchmark {
    @Param({"1", "16", "128", "512"})
    public int m;

    @Param({"2048", "5632"})
    public int n;

    @Param({"2048"})
    public int k;

    /** 1 = single thread, 0 = all cores. */
    @Param({"1", "0"})
    public int threads;

    private Arena arena;
    private MemorySegment a;
    private MemorySegment b;
    private MemorySegment c;
    private KernelExecutor executor;
    private Kernels kernels;

    static int threadCount(int threads) {
        return threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    }

    static MemorySegment randomFloats(Arena arena, long count, long seed) {
        MemorySegment s = arena.allocate(4 * count, 64);
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i < count; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (r.nextDouble() * 2 - 1));
        }
        return s;
    }

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        a = randomFloats(arena, (long) m * k, 1);
        b = randomFloats(arena, (long) n * k, 2);
        c = arena.allocate(4L * m * n, 64);
        executor = KernelExecutor.withThreads(threadCount(threads));
        kernels = Kernels.vector().withExecutor(executor);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        executor.close();
        arena.close();
    }

    /** OpenBLAS, loaded per trial; absent library = a failed trial with this message. */
    @State(Scope.Benchmark)
    public static class Blas {
        OpenBlas blas;

        @Setup(Level.Trial)
        public void load(GemmBenchmark g) {
            blas = OpenBlas.load().orElseThrow(() -> new IllegalStateException(
                    "OpenBLAS not found (tried " + String.join(", ", OpenBlas.SONAMES)
                            + "): skipping; install libopenblas0-pthread"));
            blas.setThreads(threadCount(g.threads));
        }
    }

    @Benchmark
    public MemorySegment ours() {
        kernels.sgemm(m, n, k, a, 0, k, b, 0, k, c, 0, n);
        return c;
    }

    @Benchmark
    public MemorySegment openblas(Blas blas) {
        blas.blas.sgemmABt(m, n, k, a, b, c);
        return c;
    }
}
