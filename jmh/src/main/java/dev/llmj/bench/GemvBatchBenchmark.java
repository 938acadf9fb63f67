package dev.llmj.bench;

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
 * Batched decode's kernel: b activation vectors against one weight matrix of ~48 MiB (F32) with
 * the 110m model's row length, single thread. The time of b = 8 over b = 1 is what batched decoding
 * can gain at most: 8 means no gain, 1 means the batch is free.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GemvBatchBenchmark {
    @Param({"F32", "Q8_0", "Q4_0"})
    public String dtype;

    @Param({"1", "8"})
    public int b;

    @Param({"768"})
    public int cols;

    /** Weight rows; 0 = as many as make 48 MiB of F32 (streams from memory like a model's matrices). */
    @Param({"0"})
    public int rows;

    private Arena arena;
    private Tensor w;
    private MemorySegment x;
    private MemorySegment y;
    private Kernels k;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        DType t = DType.valueOf(dtype);
        int rows = this.rows > 0 ? this.rows : (int) (GemvBenchmark.TARGET_BYTES / (4L * cols));
        Tensor f = Tensor.wrap(GemmBenchmark.randomFloats(arena, (long) rows * cols, 3), 0, DType.F32, rows, cols);
        w = t == DType.F32 ? f : Codecs.convert(f, t, arena);
        x = GemmBenchmark.randomFloats(arena, (long) b * cols, 4);
        y = arena.allocate(4L * rows * b, 64);
        k = Kernels.vector().withExecutor(KernelExecutor.singleThread());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public MemorySegment gemvBatchF32() {
        k.gemvBatchF32(w, x, 0, b, y, 0);
        return y;
    }
}
