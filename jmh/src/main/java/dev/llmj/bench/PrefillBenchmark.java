package dev.llmj.bench;

import dev.llmj.runtime.model.Session;
import java.io.IOException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A 128-token prefill of the llama-110m shape (see {@link InferenceState}) into an empty context,
 * as llama-bench's {@code -p 128}: one batch through the GEMM path. tokens/s = 128e3 / (ms per op).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class PrefillBenchmark {
    static final int PROMPT = 128;

    @Param({"F32", "Q8_0", "Q4_0"})
    public String dtype;

    @Param({"1"})
    public int threads;

    private InferenceState state;
    private Session session;
    private int[] prompt;

    @Setup(Level.Trial)
    public void setUp() {
        state = InferenceState.open(dtype, threads);
        session = state.model.newSession(PROMPT);
        prompt = new SplittableRandom(42).ints(PROMPT, 3, state.model.config().vocabSize()).toArray();
    }

    @Benchmark
    public float[] prefill128() {
        session.rewind(0);
        return session.append(prompt);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        session.close();
        state.close();
    }
}
