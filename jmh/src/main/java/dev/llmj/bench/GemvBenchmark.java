package dev.llmj.bench;

import dev.llmj.kernels.InterleavedQ4_0;
import dev.llmj.kernels.InterleavedQ4_K;
import dev.llmj.kernels.InterleavedQ6_K;
import dev.llmj.kernels.InterleavedQ8_0;
import dev.llmj.kernels.KernelExecutor;
import dev.llmj.kernels.Kernels;
import dev.llmj.tensor.DType;
import dev.llmj.tensor.HalfFloats;
import dev.llmj.tensor.LE;
import dev.llmj.tensor.Tensor;
import dev.llmj.tensor.quant.Codecs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
 * y = W·x per weight dtype, single thread, W of {@link #TARGET_BYTES} (far larger than L2, like a
 * model's matrices), so the report gives weight bytes per second beside
 * {@link ReadBandwidthBenchmark}, which streams a buffer of the same size.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GemvBenchmark {
    /** Weight bytes per matrix: 48 MiB. */
    public static final long TARGET_BYTES = 48L << 20;

    /** "…_interleaved": the weights re-laid as decoding runs them (Q8_0 activations, 16-bit lanes). */
    @Param({"F32", "F16", "BF16", "Q8_0", "Q8_0" + SUFFIX, "Q4_0", INTERLEAVED, "Q4_K", "Q4_K" + SUFFIX, "Q6_K", "Q6_K" + SUFFIX})
    public String dtype;

    static final String SUFFIX = "_interleaved";
    static final String INTERLEAVED = "Q4_0" + SUFFIX;

    @Param({"scalar", "vector"})
    public String impl;

    @Param({"4096"})
    public int cols;

    private Arena arena;
    private Tensor w;
    private InterleavedQ4_0 iw;
    private InterleavedQ8_0 iw8;
    private InterleavedQ4_K iw4k;
    private InterleavedQ6_K iw6k;
    private MemorySegment x;
    private MemorySegment y;
    private Kernels k;

    /** Rows for the target size; the report divides {@link #weightBytes} by the time. */
    static int rows(DType t, int cols) {
        return (int) (TARGET_BYTES / t.byteSize(cols));
    }

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        DType t = dtypeOf(dtype);
        int rows = rows(t, cols);
        if (t == DType.Q4_K || t == DType.Q6_K) {
            w = randomKQuant(arena, t, rows, cols);
        } else {
            Tensor f = Tensor.wrap(GemmBenchmark.randomFloats(arena, (long) rows * cols, 3), 0, DType.F32, rows, cols);
            w = t == DType.F32 ? f : Codecs.convert(f, t, arena);
        }
        x = GemmBenchmark.randomFloats(arena, cols, 4);
        y = arena.allocate(4L * rows, 64);
        k = ("scalar".equals(impl) ? Kernels.scalar() : Kernels.vector()).withExecutor(KernelExecutor.singleThread());
        if (dtype.endsWith(SUFFIX)) {
            switch (t) {
                case Q4_0 -> iw = InterleavedQ4_0.of(w, arena, KernelExecutor.singleThread());
                case Q8_0 -> iw8 = InterleavedQ8_0.of(w, arena, KernelExecutor.singleThread());
                case Q4_K -> iw4k = InterleavedQ4_K.of(w, arena, KernelExecutor.singleThread());
                default -> iw6k = InterleavedQ6_K.of(w, arena, KernelExecutor.singleThread());
            }
        }
    }

    /** The stored dtype behind a {@link #dtype} parameter. */
    static DType dtypeOf(String param) {
        return DType.valueOf(param.endsWith(SUFFIX) ? param.substring(0, param.length() - SUFFIX.length()) : param);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** Random K-quant blocks with small finite super-scales (this library has no K-quant encoder). */
    static Tensor randomKQuant(Arena arena, DType t, int rows, int cols) {
        Tensor w = Tensor.allocate(arena, t, rows, cols);
        MemorySegment s = w.segment();
        SplittableRandom r = new SplittableRandom(5);
        for (long i = 0; i + 8 <= s.byteSize(); i += 8) {
            s.set(LE.LONG, i, r.nextLong());
        }
        for (long blk = 0; blk < s.byteSize() / t.blockBytes(); blk++) {
            long p = blk * t.blockBytes();
            // Q6_K: about llama-quantize's super-scales (the largest sub-block scale over 127: ≈ 1e−5,
            // subnormal binary16 values), which the copy's ScaleExponent makes normal
            short d = HalfFloats.floatToF16((float) r.nextDouble() * (t == DType.Q6_K ? 2e-5f : 0.01f));
            if (t == DType.Q4_K) {
                s.set(LE.SHORT, p, d);
                s.set(LE.SHORT, p + 2, d);
            } else {
                s.set(LE.SHORT, p + 208, d);
            }
        }
        return w;
    }

    @Benchmark
    public MemorySegment gemv() {
        if (iw != null) {
            k.gemvBatch(iw, x, 0, 1, y, 0);
        } else if (iw8 != null) {
            k.gemvBatch(iw8, x, 0, 1, y, 0);
        } else if (iw4k != null) {
            k.gemvBatch(iw4k, x, 0, 1, y, 0);
        } else if (iw6k != null) {
            k.gemvBatch(iw6k, x, 0, 1, y, 0);
        } else {
            k.gemv(w, x, 0, y, 0);
        }
        return y;
    }
}
