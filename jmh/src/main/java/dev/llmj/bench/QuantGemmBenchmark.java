package dev.llmj.bench;

import dev.llmj.kernels.InterleavedQ4_0;
import dev.llmj.kernels.InterleavedQ4_K;
import dev.llmj.kernels.InterleavedQ6_K;
import dev.llmj.kernels.InterleavedWeights;
import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.Kernels;
import dev.llmj.tensor.DType;
import dev.llmj.tensor.Tensor;
import dev.llmj.tensor.quant.Codecs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
 * Prefill's GEMM with quantized weights (C = A·Wᵀ, A of m = 128 tokens, F32 activations) on the
 * source layout and on the interleaved copy decoding runs on, and for Q4_0 the Q8_0-activation
 * GEMM prefill runs on its copy ({@code q8Activations}): {@code source} against
 * {@code copy} in the same run gives what reading the copies (so that the model can drop the
 * source's pages) costs or saves. Shapes of the 110m model: an FFN gate (n = 2048, k = 768) and
 * its down projection (n = 768, k = 2048).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class QuantGemmBenchmark {
    @Param({"Q4_0", "Q4_K", "Q6_K"})
    public String dtype;

    /** "n×k" of the weight matrix. */
    @Param({"2048x768", "768x2048"})
    public String shape;

    @Param({"128"})
    public int m;

    /** 1 = single thread, 0 = all cores. */
    @Param({"1"})
    public int threads;

    private Arena arena;
    private Tensor w;
    private InterleavedWeights copy;
    private MemorySegment a;
    private MemorySegment c;
    private KernelExecutor executor;
    private Kernels kernels;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        int n = Integer.parseInt(shape.substring(0, shape.indexOf('x')));
        int k = Integer.parseInt(shape.substring(shape.indexOf('x') + 1));
        DType t = DType.valueOf(dtype);
        executor = KernelExecutor.withThreads(GemmBenchmark.threadCount(threads));
        kernels = Kernels.vector().withExecutor(executor);
        w = t == DType.Q4_0
                ? Codecs.convert(Tensor.wrap(GemmBenchmark.randomFloats(arena, (long) n * k, 3), 0, DType.F32, n, k), t, arena)
                : GemvBenchmark.randomKQuant(arena, t, n, k);
        copy = switch (t) {
            case Q4_0 -> InterleavedQ4_0.of(w, arena, executor);
            case Q4_K -> InterleavedQ4_K.of(w, arena, executor);
            default -> InterleavedQ6_K.of(w, arena, executor);
        };
        a = GemmBenchmark.randomFloats(arena, (long) m * k, 1);
        c = arena.allocate(4L * m * n, 64);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        executor.close();
        arena.close();
    }

    @Benchmark
    public MemorySegment source() {
        kernels.gemm(w, a, 0, m, c, 0);
        return c;
    }

    @Benchmark
    public MemorySegment copy() {
        kernels.gemm(copy, a, 0, m, c, 0);
        return c;
    }

    /**
     * What prefill runs on a Q4_0 copy: the batched GEMV with Q8_0 activations, which at m ≥ 16
     * is the register-tiled 16-bit GEMM (A's quantization included). Compare with {@link #copy}
     * in the same run. Q4_0 only: the K-quant copies' prefill is {@link #copy}.
     */
    @Benchmark
    public MemorySegment q8Activations() {
        if (copy instanceof InterleavedQ4_0 q4) {
            kernels.gemvBatch(q4, a, 0, m, c, 0);
        }
        return c;
    }
}
