package dev.llmj.tensor.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.Tensor;
import dev.llmj.tensor.quant.Codecs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GgufRoundTripTest {
    @TempDir
    Path dir;

    static GgufWriter everyValueType(GgufWriter w) {
        return w.put("u8", GgufValue.uint8(255))
                .put("i8", GgufValue.int8(-128))
                .put("u16", GgufValue.uint16(65535))
                .put("i16", GgufValue.int16(-32768))
                .putUint32("u32", 0xFFFF_FFFFL)
                .putInt32("i32", Integer.MIN_VALUE)
                .putFloat32("f32", -1.5e-30f)
                .putBool("bool.t", true)
                .putBool("bool.f", false)
                .putString("str", "héllo ✓ 𝄞")
                .putString("str.empty", "")
                .putUint64("u64", -1L) // 2^64 − 1
                .put("i64", GgufValue.int64(Long.MIN_VALUE))
                .put("f64", GgufValue.float64(Math.PI))
                .putArray("arr.str", GgufArray.ofStrings(List.of("a", "", "ü", "<0x0A>")))
                .putArray("arr.f32", GgufArray.ofFloats(1f, Float.NaN, -0f, Float.MAX_VALUE))
                .putArray("arr.i32", GgufArray.ofInts(1, -2, 3))
                .putArray("arr.u8", GgufArray.ofIntegers(GgufType.UINT8, 0, 255))
                .putArray("arr.i16", GgufArray.ofIntegers(GgufType.INT16, -32768, 32767))
                .putArray("arr.u16", GgufArray.ofIntegers(GgufType.UINT16, 65535))
                .putArray("arr.i8", GgufArray.ofIntegers(GgufType.INT8, -1))
                .putArray("arr.u32", GgufArray.ofIntegers(GgufType.UINT32, 0xFFFF_FFFFL))
                .putArray("arr.u64", GgufArray.ofIntegers(GgufType.UINT64, -1L, 7))
                .putArray("arr.i64", GgufArray.ofIntegers(GgufType.INT64, Long.MIN_VALUE))
                .putArray("arr.f64", GgufArray.ofDoubles(0.1, -2))
                .putArray("arr.bool", GgufArray.ofBooleans(true, false, true))
                .putArray("arr.empty", GgufArray.ofFloats())
                .putArray("arr.nested", GgufArray.ofArrays(List.of(
                        GgufArray.ofInts(1, 2),
                        GgufArray.ofStrings(List.of()),
                        GgufArray.ofArrays(List.of(GgufArray.ofStrings(List.of("deep")))))));
    }

    private static Tensor random(Arena arena, DType dtype, Random rnd, long... shape) {
        Tensor f = Tensor.allocate(arena, DType.F32, shape);
        for (long i = 0; i < f.elementCount(); i++) {
            f.base().set(dev.llmj.tensor.LE.FLOAT, 4 * i, (float) rnd.nextGaussian());
        }
        return dtype == DType.F32 ? f : Codecs.convert(f, dtype, arena);
    }

    @ParameterizedTest
    @ValueSource(ints = {32, 1, 8, 64, 4096})
    void metadataAndTensorsRoundTrip(int alignment) throws Exception {
        Random rnd = new Random(alignment);
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> tensors = new java.util.LinkedHashMap<>();
            tensors.put("f32.vec", random(arena, DType.F32, rnd, 7));
            tensors.put("f16.mat", random(arena, DType.F16, rnd, 3, 5));
            tensors.put("bf16.3d", random(arena, DType.BF16, rnd, 2, 3, 4));
            tensors.put("q8.mat", random(arena, DType.Q8_0, rnd, 3, 64));
            tensors.put("q4.4d", random(arena, DType.Q4_0, rnd, 2, 1, 2, 32));
            GgufWriter w = everyValueType(new GgufWriter()).alignment(alignment);
            tensors.forEach(w::addTensor);
            Path p = dir.resolve("rt.gguf");
            w.write(p);

            GgufFile f = GgufFile.open(p, arena);
            assertEquals(3, f.version());
            assertEquals(alignment, f.alignment());
            GgufWriter reference = everyValueType(new GgufWriter());
            // Compare against a freshly built writer's metadata, in order.
            List<String> keys = new ArrayList<>(f.metadata().keySet());
            if (alignment != 32) {
                assertEquals("general.alignment", keys.removeLast());
                assertEquals(alignment, f.getLong("general.alignment"));
            }
            assertEquals(List.copyOf(metadataOf(reference).keySet()), keys);
            metadataOf(reference).forEach((k, v) -> assertEquals(v, f.metadata().get(k), k));
            assertEquals(-1L, f.getLong("u64"));
            assertEquals("héllo ✓ 𝄞", f.getString("str"));
            assertEquals("deep", f.getArray("arr.nested").asArrays().get(2).asArrays().get(0).asStrings().get(0));

            assertEquals(List.copyOf(tensors.keySet()), f.tensorInfos().stream().map(GgufTensorInfo::name).toList());
            for (GgufTensorInfo info : f.tensorInfos()) {
                Tensor src = tensors.get(info.name());
                assertEquals(0, info.absoluteOffset() % alignment, info.name());
                assertArrayEquals(src.shape(), info.shape());
                assertEquals(src.dtype(), info.dtype());
                Tensor back = f.tensor(info.name());
                assertArrayEquals(src.shape(), back.shape());
                assertEquals(-1, src.segment().mismatch(back.segment()), info.name() + " bytes differ");
            }
            assertEquals(0, (Files.size(p)) % alignment, "file padded after the last tensor");
        }
    }

    private static Map<String, GgufValue> metadataOf(GgufWriter w) {
        return w.metadata();
    }

    @Test
    void stridedViewIsWrittenRowByRow() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Tensor whole = random(arena, DType.F32, new Random(3), 4, 6);
            Tensor rows = whole.rowRange(1, 3); // contiguous
            Tensor slab = Tensor.wrap(whole.base(), 0, DType.F32, 2, 2, 6).row(1); // 2 x 6 from rows 2..3
            Path p = dir.resolve("views.gguf");
            new GgufWriter().addTensor("rows", rows).addTensor("slab", slab).write(p);
            GgufFile f = GgufFile.open(p, arena);
            assertArrayEquals(rows.toFloatArray(), f.tensor("rows").toFloatArray());
            assertArrayEquals(slab.toFloatArray(), f.tensor("slab").toFloatArray());
            assertThrows(IllegalArgumentException.class, () -> new GgufWriter().addTensor("t", whole.transpose()));
        }
    }

    @Test
    void writerRejectsBadInput() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.allocate(arena, DType.F32, 2);
            GgufWriter w = new GgufWriter().putString("k", "v").addTensor("t", t);
            assertThrows(IllegalArgumentException.class, () -> w.putString("k", "again"));
            assertThrows(IllegalArgumentException.class, () -> w.addTensor("t", t));
            assertThrows(IllegalArgumentException.class, () -> w.addTensor("x".repeat(64), t));
            assertThrows(IllegalArgumentException.class, () -> w.alignment(24));
            assertThrows(IllegalArgumentException.class, () -> w.alignment(0));
            assertThrows(IllegalArgumentException.class, () -> w.addTensor("empty", Tensor.allocate(arena, DType.F32, 0)));
            assertThrows(IllegalArgumentException.class,
                    () -> w.addTensor("5d", Tensor.allocate(arena, DType.F32, 1, 1, 1, 1, 1)));
            assertThrows(IllegalArgumentException.class, () -> GgufValue.uint8(256));
            assertThrows(IllegalArgumentException.class, () -> GgufValue.uint32(-1));
        }
    }

    @Test
    void failedWriteLeavesNoPartialFile() {
        Path p = dir.resolve("partial.gguf");
        GgufWriter w = new GgufWriter().putString("ok", "fine").putString("bad", "\uD800 unpaired surrogate");
        assertThrows(IllegalArgumentException.class, () -> w.write(p));
        assertTrue(Files.notExists(p));
        Arena closed = Arena.ofConfined();
        GgufWriter w2 = new GgufWriter().addTensor("t", Tensor.allocate(closed, DType.F32, 4));
        closed.close();
        assertThrows(IllegalStateException.class, () -> w2.write(p));
        assertTrue(Files.notExists(p));
    }

    @Test
    void closedArenaMakesTensorViewsThrow() throws Exception {
        Path p = dir.resolve("closed.gguf");
        try (Arena a = Arena.ofConfined()) {
            new GgufWriter().addTensor("w", Tensor.ofFloats(a, new float[] {1, 2, 3, 4}, 2, 2)).write(p);
        }
        Arena arena = Arena.ofShared();
        GgufFile f = GgufFile.open(p, arena);
        assertEquals(4f, f.tensor("w").getFloat(1, 1));
        Tensor view = f.tensor("w");
        arena.close();
        assertThrows(IllegalStateException.class, () -> view.getFloat(0, 0));
        assertThrows(IllegalStateException.class, () -> f.tensor("w").getFloat(0, 0));
        // The file handle was closed at open: the file can be deleted (and would be on Windows too).
        Files.delete(p);
    }

    @Test
    void accessorsNameTheProblem() throws Exception {
        Path p = dir.resolve("acc.gguf");
        everyValueType(new GgufWriter()).write(p);
        try (Arena arena = Arena.ofConfined()) {
            GgufFile f = GgufFile.open(p, arena);
            var missing = assertThrows(dev.llmj.tensor.ModelFormatException.class, () -> f.getString("nope"));
            assertTrue(missing.getMessage().contains("\"nope\"") && missing.getMessage().contains(p.toString()),
                    missing.getMessage());
            var wrong = assertThrows(dev.llmj.tensor.ModelFormatException.class, () -> f.getString("u32"));
            assertTrue(wrong.getMessage().contains("STRING") && wrong.getMessage().contains("UINT32"), wrong.getMessage());
            assertEquals(-1, f.optLong("nope").orElse(-1));
            assertEquals(Integer.MIN_VALUE, f.getInt("i32"));
            assertThrows(dev.llmj.tensor.ModelFormatException.class, () -> f.getInt("u64"));
            assertEquals(0xFFFF_FFFFL, f.getDouble("u32"));
            var unknown = assertThrows(IllegalArgumentException.class, () -> f.tensor("ghost"));
            assertTrue(unknown.getMessage().contains("ghost"), unknown.getMessage());
            assertArrayEquals(new int[] {1, -2, 3}, f.getArray("arr.i32").asInts());
            assertThrows(IllegalStateException.class, () -> f.getArray("arr.f32").asStrings());
            MemorySegment seg = f.segment();
            assertEquals(Files.size(p), seg.byteSize());
        }
    }
}
