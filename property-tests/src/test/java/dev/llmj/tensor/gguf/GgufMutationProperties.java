package dev.llmj.tensor.gguf;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.ModelFormatException;
import dev.llmj.tensor.Tensor;
import dev.llmj.tensor.quant.Codecs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * A valid GGUF written by {@link GgufWriter}, damaged at random (bit flips, byte stores, huge 4-
 * and 8-byte values, truncation, splices, deletions, insertions; mostly inside the header,
 * metadata and tensor table), must either load cleanly, and then every metadata value and tensor
 * byte must be readable, or fail with a {@link ModelFormatException}. Anything else (another
 * exception, an OutOfMemoryError, a hang) fails the property.
 */
class GgufMutationProperties {

    enum Kind { FLIP_BIT, SET_BYTE, SET_U32, SET_U64, TRUNCATE, SPLICE, DELETE, INSERT }

    /** One edit: what, where (an index into the file, wrapped), and a parameter. */
    record Mutation(Kind kind, int position, long value) {}

    private static final byte[] VALID = validFile();
    /** End of the tensor table; mutations favour the bytes before it. */
    private static final int HEADER_END = headerEnd();

    private static byte[] validFile() {
        try (Arena arena = Arena.ofConfined()) {
            Path p = Files.createTempFile("llmj-valid", ".gguf");
            Tensor f32 = Tensor.ofFloats(arena, new float[] {1, -2, 3, -4, 5, -6}, 2, 3);
            float[] ramp = new float[64];
            for (int i = 0; i < ramp.length; i++) {
                ramp[i] = (i - 31) / 8f;
            }
            Tensor q8 = Codecs.convert(Tensor.ofFloats(arena, ramp, 2, 32), DType.Q8_0, arena);
            Tensor f16 = Codecs.convert(Tensor.ofFloats(arena, ramp, 4, 4, 4), DType.F16, arena);
            new GgufWriter()
                    .putString("general.architecture", "llama")
                    .putUint32("llama.context_length", 256)
                    .putArray("tokenizer.ggml.tokens", GgufArray.ofStrings(List.of("<unk>", "a", "é", "")))
                    .putArray("tokenizer.ggml.scores", GgufArray.ofFloats(0f, -1f, -2f, -3f))
                    .putArray("tokenizer.ggml.token_type", GgufArray.ofInts(2, 1, 1, 1))
                    .putArray("nested", GgufArray.ofArrays(List.of(GgufArray.ofBooleans(true), GgufArray.ofInts())))
                    .put("f64", GgufValue.float64(0.5))
                    .addTensor("f32", f32).addTensor("q8", q8).addTensor("f16", f16)
                    .write(p);
            byte[] bytes = Files.readAllBytes(p);
            Files.delete(p);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int headerEnd() {
        try {
            GgufFile f = GgufReader.parse(MemorySegment.ofArray(VALID), Path.of("valid.gguf"));
            return (int) f.dataOffset();
        } catch (ModelFormatException e) {
            throw new AssertionError("the unmutated file must parse", e);
        }
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Kind> kinds = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.just(Kind.FLIP_BIT)),
                net.jqwik.api.Tuple.of(3, Arbitraries.just(Kind.SET_BYTE)),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(Kind.SET_U32)),
                net.jqwik.api.Tuple.of(3, Arbitraries.just(Kind.SET_U64)),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(Kind.TRUNCATE)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(Kind.SPLICE)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(Kind.DELETE)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(Kind.INSERT)));
        Arbitrary<Integer> positions = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.integers().between(0, HEADER_END - 1)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, VALID.length - 1)));
        Arbitrary<Long> values = Arbitraries.oneOf(
                Arbitraries.longs(),
                Arbitraries.of(0L, 1L, 2L, 4L, 5L, 9L, 13L, 31L, 33L, 1L << 31, 1L << 32, 1L << 40,
                        1_000_000_000_000L, Long.MAX_VALUE, -1L, Long.MIN_VALUE),
                Arbitraries.longs().between(0, 300));
        Arbitrary<Mutation> one = Combinators.combine(kinds, positions, values).as(Mutation::new);
        return one.list().ofMinSize(1).ofMaxSize(4);
    }

    static byte[] apply(List<Mutation> mutations) {
        byte[] b = VALID.clone();
        for (Mutation m : mutations) {
            if (b.length == 0) {
                break;
            }
            int pos = Math.floorMod(m.position(), b.length);
            long v = m.value();
            switch (m.kind()) {
                case FLIP_BIT -> b[pos] ^= (byte) (1 << (v & 7));
                case SET_BYTE -> b[pos] = (byte) v;
                case SET_U32 -> putLe(b, pos, v, 4);
                case SET_U64 -> putLe(b, pos, v, 8);
                case TRUNCATE -> b = Arrays.copyOf(b, pos);
                case SPLICE -> {
                    int len = (int) Math.floorMod(v, 64L) + 1;
                    int dst = (int) Math.floorMod(v >>> 8, (long) b.length);
                    int n = Math.min(len, Math.min(b.length - pos, b.length - dst));
                    System.arraycopy(b.clone(), pos, b, dst, n);
                }
                case DELETE -> {
                    int n = (int) Math.min(Math.floorMod(v, 16L) + 1, b.length - pos);
                    byte[] out = new byte[b.length - n];
                    System.arraycopy(b, 0, out, 0, pos);
                    System.arraycopy(b, pos + n, out, pos, b.length - pos - n);
                    b = out;
                }
                case INSERT -> {
                    int n = (int) Math.floorMod(v, 16L) + 1;
                    byte[] out = new byte[b.length + n];
                    System.arraycopy(b, 0, out, 0, pos);
                    Arrays.fill(out, pos, pos + n, (byte) (v >>> 8));
                    System.arraycopy(b, pos, out, pos + n, b.length - pos);
                    b = out;
                }
            }
        }
        return b;
    }

    private static void putLe(byte[] b, int pos, long v, int width) {
        for (int i = 0; i < width && pos + i < b.length; i++) {
            b[pos + i] = (byte) (v >>> (8 * i));
        }
    }

    @Property(tries = 1000)
    void mutatedFileLoadsCleanlyOrFailsWithModelFormatException(@ForAll("mutations") List<Mutation> mutations)
            throws IOException {
        byte[] bytes = apply(mutations);
        Path p = Files.createTempFile("llmj-mutant", ".gguf");
        try {
            Files.write(p, bytes);
            try (Arena arena = Arena.ofConfined()) {
                GgufFile f;
                try {
                    f = GgufFile.open(p, arena);
                } catch (ModelFormatException e) {
                    if (e.field() == null || e.byteOffset() < 0 || e.byteOffset() > bytes.length) {
                        throw new AssertionError("exception without a sane field/offset: " + e.getMessage(), e);
                    }
                    Statistics.collect("rejected");
                    return;
                }
                Statistics.collect("loaded");
                readEverything(f);
            }
        } finally {
            Files.deleteIfExists(p);
        }
    }

    /** Touches every metadata value and every tensor byte of a file that loaded. */
    private static void readEverything(GgufFile f) {
        for (Map.Entry<String, GgufValue> e : f.metadata().entrySet()) {
            touch(e.getValue());
        }
        for (GgufTensorInfo t : f.tensorInfos()) {
            Tensor view = f.tensor(t.name());
            MemorySegment s = view.segment();
            long sum = 0;
            for (long i = 0; i < s.byteSize(); i++) {
                sum += s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i);
            }
            if (t.dtype().isDecodable()) {
                float[] v = view.toFloatArray();
                sum += v.length;
            }
            if (sum == Long.MIN_VALUE) {
                throw new AssertionError("unreachable; keeps the reads alive");
            }
        }
    }

    private static void touch(GgufValue v) {
        v.toString();
        if (v.type() == GgufType.ARRAY) {
            for (GgufValue e : v.asArray().values()) {
                touch(e);
            }
        }
    }
}
