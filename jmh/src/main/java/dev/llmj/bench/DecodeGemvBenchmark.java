package dev.llmj.bench;

import dev.llmj.kernels.InterleavedQ4_0;
import dev.llmj.kernels.InterleavedQ4_K;
import dev.llmj.kernels.InterleavedQ6_K;
import dev.llmj.kernels.InterleavedQ8_0;
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
 * What one decode step runs per projection: {@code gemvBatchF32} with b vectors against a
 * 110m-sized weight matrix, or for {@code Q4_0_interleaved} / {@code Q8_0_interleaved} /
 * {@code Q4_K_interleaved} / {@code Q6_K_interleaved} (random K-quant blocks) the interleaved kernel with Q8_0 activations (what decoding runs for those weights) against a
 * 110m-sized weight matrix (rows×cols), on 1 or 2 threads. Like in decoding, the weights come from
 * DRAM, not from cache: {@link #COPIES_BYTES} of copies of the matrix are cycled through, one per
 * call, so the prefetch behaviour of the kernels is measured too (it was decisive: two rows
 * interleaved from adjacent addresses ran slower than one, two long streams faster).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class DecodeGemvBenchmark {
    /** Bytes of weight copies cycled through: well beyond the last-level cache. */
    static final long COPIES_BYTES = 96L << 20;

    @Param({"Q4_0", GemvBenchmark.INTERLEAVED, "Q8_0", "Q8_0" + GemvBenchmark.SUFFIX, "Q4_K" + GemvBenchmark.SUFFIX,
            "Q6_K" + GemvBenchmark.SUFFIX, "F32"})
    public String dtype;

    /** rows x cols: the 110m attention/down shapes and the up/gate shape. */
    @Param({"2048x768", "768x2048"})
    public String shape;

    @Param({"1", "8"})
    public int b;

    @Param({"1", "2"})
    public int threads;

    /**
     * The Q6_K copy's {@code ScaleExponent}: "auto" as decoding makes it, or a fixed k; "0" keeps
     * the file's subnormal super-scales (what every multiply by them cost before).
     */
    @Param({"auto"})
    public String scaleExponent;

    private Arena arena;
    private Tensor[] copies;
    private InterleavedWeights[] interleaved;
    private int next;
    private MemorySegment x;
    private MemorySegment y;
    private KernelExecutor executor;
    private Kernels k;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        DType t = GemvBenchmark.dtypeOf(dtype);
        String[] rc = shape.split("x");
        int rows = Integer.parseInt(rc[0]);
        int cols = Integer.parseInt(rc[1]);
        Tensor w;
        if (t == DType.Q4_K || t == DType.Q6_K) {
            w = GemvBenchmark.randomKQuant(arena, t, rows, cols);
        } else {
            Tensor f = Tensor.wrap(GemmBenchmark.randomFloats(arena, (long) rows * cols, 3), 0, DType.F32, rows, cols);
            w = t == DType.F32 ? f : Codecs.convert(f, t, arena);
        }
        int n = (int) Math.max(1, COPIES_BYTES / w.segment().byteSize());
        copies = new Tensor[n];
        for (int i = 0; i < n; i++) {
            Tensor c = Tensor.allocate(arena, t, rows, cols);
            c.segment().copyFrom(w.segment());
            copies[i] = c;
        }
        if (dtype.endsWith(GemvBenchmark.SUFFIX)) {
            interleaved = new InterleavedWeights[n];
            for (int i = 0; i < n; i++) {
                KernelExecutor one = KernelExecutor.singleThread();
                interleaved[i] = switch (t) {
                    case Q4_0 -> InterleavedQ4_0.of(copies[i], arena, one);
                    case Q8_0 -> InterleavedQ8_0.of(copies[i], arena, one);
                    case Q4_K -> InterleavedQ4_K.of(copies[i], arena, one);
                    default -> InterleavedQ6_K.of(copies[i], arena, one,
                            "auto".equals(scaleExponent) ? -1 : Integer.parseInt(scaleExponent));
                };
            }
        }
        x = GemmBenchmark.randomFloats(arena, (long) b * cols, 4);
        y = arena.allocate(4L * b * rows, 64);
        executor = KernelExecutor.withThreads(threads);
        k = Kernels.vector().withExecutor(executor);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        executor.close();
        arena.close();
    }

    @Benchmark
    public MemorySegment gemvBatchF32() {
        int i = next;
        next = next + 1 == copies.length ? 0 : next + 1;
        if (interleaved != null) {
            switch (interleaved[i]) {
                case InterleavedQ4_0 q4 -> k.gemvBatch(q4, x, 0, b, y, 0);
                case InterleavedQ8_0 q8 -> k.gemvBatch(q8, x, 0, b, y, 0);
                case InterleavedQ4_K q4k -> k.gemvBatch(q4k, x, 0, b, y, 0);
                case InterleavedQ6_K q6k -> k.gemvBatch(q6k, x, 0, b, y, 0);
                default -> throw new IllegalStateException("not benchmarked here: " + interleaved[i]);
            }
        } else {
            k.gemvBatchF32(copies[i], x, 0, b, y, 0);
        }
        return y;
    }
}
