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
 * Each vector kernel against its scalar twin on one thread: {@code impl} is the only difference.
 * Lengths are odd (tails included); quantized dots use the largest whole number of 256-blocks.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class KernelBenchmark {
    @Param({"scalar", "vector"})
    public String impl;

    @Param({"4099"})
    public int n;

    private Arena arena;
    private Kernels k;
    private int nq;
    private MemorySegment a;
    private MemorySegment b;
    private MemorySegment out;
    private MemorySegment logits;
    private MemorySegment f16;
    private MemorySegment bf16;
    private MemorySegment q8a;
    private MemorySegment q8b;
    private MemorySegment q4;
    private MemorySegment q4k;
    private MemorySegment q6k;
    private final int[] top = new int[40];

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        k = ("scalar".equals(impl) ? Kernels.scalar() : Kernels.vector()).withExecutor(KernelExecutor.singleThread());
        nq = n / 256 * 256;
        a = GemmBenchmark.randomFloats(arena, n, 1);
        b = GemmBenchmark.randomFloats(arena, n, 2);
        out = arena.allocate(4L * n, 64);
        logits = arena.allocate(4L * n, 64);
        Tensor w = Tensor.wrap(a, 0, DType.F32, 1, nq);
        f16 = Codecs.convert(w, DType.F16, arena).segment();
        bf16 = Codecs.convert(w, DType.BF16, arena).segment();
        q8a = Codecs.convert(w, DType.Q8_0, arena).segment();
        q8b = Codecs.convert(Tensor.wrap(b, 0, DType.F32, 1, nq), DType.Q8_0, arena).segment();
        q4 = Codecs.convert(w, DType.Q4_0, arena).segment();
        q4k = GemvBenchmark.randomKQuant(arena, DType.Q4_K, 1, nq).segment();
        q6k = GemvBenchmark.randomKQuant(arena, DType.Q6_K, 1, nq).segment();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float dotF32() {
        return k.dot(a, 0, b, 0, n);
    }

    @Benchmark
    public float dotF16() {
        return k.dotF16(f16, 0, b, 0, nq);
    }

    @Benchmark
    public float dotBf16() {
        return k.dotBf16(bf16, 0, b, 0, nq);
    }

    @Benchmark
    public float dotQ8_0() {
        return k.dotQ8_0(q8a, 0, q8b, 0, nq);
    }

    @Benchmark
    public float dotQ4_0() {
        return k.dotQ4_0(q4, 0, q8b, 0, nq);
    }

    @Benchmark
    public float dotQ4_K() {
        return k.dotQ4_K(q4k, 0, b, 0, nq);
    }

    @Benchmark
    public float dotQ6_K() {
        return k.dotQ6_K(q6k, 0, b, 0, nq);
    }

    @Benchmark
    public float cosine() {
        return k.cosine(a, 0, b, 0, n);
    }

    @Benchmark
    public MemorySegment quantizeQ8_0() {
        k.quantizeQ8_0(a, 0, q8b, 0, nq);
        return q8b;
    }

    @Benchmark
    public MemorySegment softmax() {
        MemorySegment.copy(a, 0, logits, 0, 4L * n);
        k.softmax(logits, 0, n);
        return logits;
    }

    @Benchmark
    public MemorySegment rmsnorm() {
        k.rmsnorm(out, 0, a, 0, b, 0, n, 1e-5f);
        return out;
    }

    @Benchmark
    public MemorySegment swiglu() {
        k.swiglu(out, 0, a, 0, b, 0, n);
        return out;
    }

    @Benchmark
    public MemorySegment add() {
        k.add(out, 0, a, 0, b, 0, n);
        return out;
    }

    @Benchmark
    public int argmax() {
        return k.argmax(a, 0, n);
    }

    @Benchmark
    public int topK() {
        return k.topK(a, 0, n, 40, top);
    }
}
