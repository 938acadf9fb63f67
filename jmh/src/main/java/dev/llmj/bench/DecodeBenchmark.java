package dev.llmj.bench;

import dev.llmj.runtime.model.Session;
import java.io.IOException;
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
 * One decode step of the llama-110m shape (see {@link InferenceState}): one token appended to a
 * session, logits out. The context is rewound to empty every {@link #CONTEXT} tokens, so attention
 * covers 0..CONTEXT positions, as in {@code llm bench}'s 64-token decode. Reported per step;
 * tokens/s = 1e3 / (ms per op).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class DecodeBenchmark {
    static final int CONTEXT = 64;

    @Param({"F32", "Q8_0", "Q4_0"})
    public String dtype;

    @Param({"1"})
    public int threads;

    private InferenceState state;
    private Session session;
    private int token = 1;

    @Setup(Level.Trial)
    public void setUp() {
        state = InferenceState.open(dtype, threads);
        session = state.model.newSession(CONTEXT);
    }

    @Benchmark
    public float[] decodeStep() {
        if (session.length() == CONTEXT) {
            session.rewind(0);
        }
        float[] logits = session.append(token);
        token = 3 + (token * 31 + 7) % 1000;
        return logits;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        session.close();
        state.close();
    }
}
