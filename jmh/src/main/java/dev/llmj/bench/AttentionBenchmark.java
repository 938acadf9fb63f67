package dev.llmj.bench;

import dev.llmj.rope.PairLayout;
import dev.llmj.rope.ResolvedRope;
import dev.llmj.rope.RopeGeometry;
import dev.llmj.rope.RopeScheme;
import dev.llmj.rope.attention.Attention;
import dev.llmj.rope.attention.AttentionShape;
import dev.llmj.rope.attention.KvCache;
import dev.llmj.rope.attention.KvType;
import dev.llmj.tensor.LE;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
 * Decode attention at depth: one token's attention through the 12 layers of the llama-110m shape
 * (12 heads, head dim 64), each over {@code depth} cached positions, on one thread. Twelve
 * separate caches (75 MiB in F32 at depth 1024) keep the reads coming from DRAM, as in a real
 * decode step. {@code kvType} F32 against F16 in the same run gives what the F16 cache saves.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class AttentionBenchmark {
    static final int LAYERS = 12, HEADS = 12, HEAD_DIM = 64, CHUNK = 256;

    @Param({"1024", "4096"})
    public int depth;

    @Param({"F32", "F16", "Q8_0"})
    public String kvType;

    private Arena arena;
    private ResolvedRope rope;
    private KvCache[] caches;
    private MemorySegment q, k, out;

    @Setup(Level.Trial)
    public void setUp() {
        AttentionShape shape = new AttentionShape(HEADS, HEADS, HEAD_DIM);
        rope = RopeScheme.parse("rope").resolve(new RopeGeometry(HEAD_DIM, 10000, 256, PairLayout.HALVES), depth + 1);
        arena = Arena.ofShared();
        q = random(arena, CHUNK * shape.queryDim(), 1);
        k = random(arena, CHUNK * shape.kvDim(), 2);
        out = arena.allocate(4L * CHUNK * shape.queryDim(), 64);
        caches = new KvCache[LAYERS];
        for (int l = 0; l < LAYERS; l++) {
            caches[l] = KvCache.allocate(arena, shape, rope, depth + 1, KvType.parse(kvType));
            for (int p = 0; p < depth; p += CHUNK) {
                Attention.forward(rope, caches[l], q, k, k, p, Math.min(CHUNK, depth - p), out);
            }
        }
    }

    private static MemorySegment random(Arena arena, int floats, long seed) {
        MemorySegment s = arena.allocate(4L * floats, 64);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < floats; i++) s.set(LE.FLOAT, 4L * i, (float) (r.nextDouble() * 2 - 1));
        return s;
    }

    @Benchmark
    public MemorySegment decodeToken() {
        for (KvCache cache : caches) {
            cache.truncate(depth);
            Attention.forward(rope, cache, q, k, k, depth, 1, out);
        }
        return out;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }
}
