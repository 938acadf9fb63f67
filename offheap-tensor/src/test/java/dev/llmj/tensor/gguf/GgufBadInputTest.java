package dev.llmj.tensor.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.ModelFormatException;
import dev.llmj.tensor.Tensor;
import dev.llmj.tensor.quant.Codecs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of malformed GGUF fails with a ModelFormatException naming the field and its byte offset. */
class GgufBadInputTest {
    private static final Path NAME = Path.of("bad.gguf");
    private static final int F32 = 0;

    @TempDir
    Path dir;

    /** Parses {@code bytes}, expecting a failure at {@code field} / {@code offset}; returns the message. */
    private static String assertBad(byte[] bytes, String field, long offset) {
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> GgufReader.parse(MemorySegment.ofArray(bytes), NAME));
        assertEquals(field, e.field(), e.getMessage());
        assertEquals(offset, e.byteOffset(), e.getMessage());
        assertTrue(e.getMessage().contains(field) && e.getMessage().contains("at byte " + offset)
                && e.getMessage().contains("bad.gguf"), e.getMessage());
        return e.getMessage();
    }

    /** One valid F32 tensor "t" of 4 elements: header, no KVs. */
    private static GgufBytes oneTensor(int ggmlType, long offset, long... ne) {
        return new GgufBytes().header(1, 0).tensor("t", ggmlType, offset, ne);
    }

    @Test
    void wrongMagic() {
        byte[] b = new GgufBytes().header(0, 0).bytes();
        b[3] = 'G';
        assertTrue(assertBad(b, "magic", 0).contains("47 47 55 47"));
    }

    @Test
    void unsupportedVersions() {
        byte[] v1 = new GgufBytes().raw("GGUF".getBytes()).u32(1).u32(0).u32(0).bytes();
        assertTrue(assertBad(v1, "version", 4).contains("version 1"));
        byte[] v99 = new GgufBytes().raw("GGUF".getBytes()).u32(99).u64(0).u64(0).bytes();
        assertBad(v99, "version", 4);
        byte[] bigEndian = new GgufBytes().raw("GGUF".getBytes()).u32(0x03000000).u64(0).u64(0).bytes();
        assertTrue(assertBad(bigEndian, "version", 4).contains("big-endian"));
    }

    @Test
    void truncatedAtEveryByteOfTheHeaderMetadataAndTensorTable() throws Exception {
        byte[] full = validFile();
        try (Arena arena = Arena.ofConfined()) {
            GgufFile ok = GgufReader.parse(MemorySegment.ofArray(full), NAME);
            long lastDataByte = ok.tensorInfos().stream().mapToLong(t -> t.absoluteOffset() + t.byteSize()).max().orElseThrow();
            for (int len = 0; len < lastDataByte; len++) {
                byte[] cut = Arrays.copyOf(full, len);
                try {
                    GgufReader.parse(MemorySegment.ofArray(cut), NAME);
                    fail("truncated to " + len + " bytes but parsed");
                } catch (ModelFormatException e) {
                    assertTrue(e.byteOffset() >= 0 && e.byteOffset() <= len, e.getMessage());
                }
            }
        }
        // Two spot checks of the reported field.
        assertBad(Arrays.copyOf(full, 12), "tensor_count", 8);
        assertTrue(assertBad(Arrays.copyOf(full, 2), "magic", 0).contains("truncated"));
    }

    /** A file with every feature: metadata incl. arrays, three tensors of different dtypes. */
    private byte[] validFile() throws Exception {
        Path p = dir.resolve("valid.gguf");
        try (Arena arena = Arena.ofConfined()) {
            Tensor f = Tensor.ofFloats(arena, new float[64], 2, 32);
            new GgufWriter().putString("general.architecture", "llama")
                    .putArray("tokenizer.ggml.tokens", GgufArray.ofStrings(List.of("a", "bb", "ccc")))
                    .putArray("tokenizer.ggml.scores", GgufArray.ofFloats(1, 2, 3))
                    .addTensor("a", f).addTensor("b", Codecs.convert(f, DType.Q8_0, arena))
                    .addTensor("c", Codecs.convert(f, DType.F16, arena)).write(p);
        }
        return Files.readAllBytes(p);
    }

    @Test
    void absurdStringLengths() {
        byte[] huge = new GgufBytes().header(0, 1).u64(1L << 40).raw("k".getBytes()).zeros(20).bytes();
        assertBad(huge, "metadata[0].key.length", 24);
        byte[] negative = new GgufBytes().header(0, 1).u64(-1L).raw("k".getBytes()).zeros(20).bytes();
        assertBad(negative, "metadata[0].key.length", 24);
        GgufBytes pastEof = new GgufBytes().header(0, 1).str("k").u32(GgufType.STRING.id());
        int at = pastEof.position();
        assertBad(pastEof.u64(100).raw("only ten b".getBytes()).bytes(), "metadata[\"k\"].length", at);
    }

    @Test
    void absurdArrayCounts() {
        GgufBytes b = new GgufBytes().header(0, 1).str("tokenizer.ggml.tokens").u32(GgufType.ARRAY.id())
                .u32(GgufType.STRING.id());
        int at = b.position();
        assertBad(b.u64(1_000_000_000_000L).zeros(64).bytes(), "metadata[\"tokenizer.ggml.tokens\"].count", at);
        // 100 UINT32 elements need 400 bytes; only 64 follow.
        GgufBytes c = new GgufBytes().header(0, 1).str("a").u32(GgufType.ARRAY.id()).u32(GgufType.UINT32.id());
        int at2 = c.position();
        assertBad(c.u64(100).zeros(64).bytes(), "metadata[\"a\"].count", at2);
    }

    @Test
    void stringElementPastEofNamesItsIndex() {
        GgufBytes b = new GgufBytes().header(0, 1).str("tokenizer.ggml.tokens").u32(GgufType.ARRAY.id())
                .u32(GgufType.STRING.id()).u64(3).str("a").str("b");
        int at = b.position();
        assertBad(b.u64(1L << 40).bytes(), "metadata[\"tokenizer.ggml.tokens\"][2].length", at);
    }

    @Test
    void absurdTensorAndKvCounts() {
        assertBad(new GgufBytes().header(1_000_000_000_000L, 0).zeros(100).bytes(), "tensor_count", 8);
        assertBad(new GgufBytes().header(0, 1_000_000_000_000L).zeros(100).bytes(), "metadata_kv_count", 16);
        assertBad(new GgufBytes().header(-1L, 0).zeros(100).bytes(), "tensor_count", 8);
    }

    @Test
    void nDimsOutOfRange() {
        byte[] zero = new GgufBytes().header(1, 0).str("t").u32(0).u32(F32).u64(0).zeros(64).bytes();
        assertBad(zero, "tensor[0] \"t\".n_dims", 24 + 9);
        assertBad(oneTensor(F32, 0, 1, 1, 1, 1, 1).zeros(64).bytes(), "tensor[0] \"t\".n_dims", 24 + 9);
    }

    @Test
    void nonPositiveOrOverflowingDims() {
        int dims = 24 + 9 + 4;
        assertBad(oneTensor(F32, 0, 4, 0).zeros(64).bytes(), "tensor[0] \"t\".dims[1]", dims + 8);
        assertBad(oneTensor(F32, 0, 4, -5).zeros(64).bytes(), "tensor[0] \"t\".dims[1]", dims + 8);
        assertTrue(assertBad(oneTensor(F32, 0, 1L << 32, 1L << 32).zeros(64).bytes(), "tensor[0] \"t\".dims", dims)
                .contains("overflows"));
        // 2^61 elements fit in a long, 2^63 bytes of F32 do not.
        assertTrue(assertBad(oneTensor(F32, 0, 1L << 31, 1L << 30).zeros(64).bytes(), "tensor[0] \"t\".dims", dims)
                .contains("byte size"));
    }

    @Test
    void unknownGgmlType() {
        int typeAt = 24 + 9 + 4 + 8;
        assertTrue(assertBad(oneTensor(4, 0, 32).zeros(64).bytes(), "tensor[0] \"t\".type", typeAt).contains("4"));
        assertBad(oneTensor(1000, 0, 32).zeros(64).bytes(), "tensor[0] \"t\".type", typeAt);
    }

    @Test
    void unknownValueType() {
        GgufBytes b = new GgufBytes().header(0, 1).str("k");
        int at = b.position();
        assertBad(b.u32(13).zeros(16).bytes(), "metadata[\"k\"].type", at);
        GgufBytes arr = new GgufBytes().header(0, 1).str("k").u32(GgufType.ARRAY.id());
        int at2 = arr.position();
        assertBad(arr.u32(77).u64(0).bytes(), "metadata[\"k\"].element_type", at2);
    }

    @Test
    void nestedArrayDepthBomb() {
        GgufBytes b = new GgufBytes().header(0, 1).str("k").u32(GgufType.ARRAY.id());
        int[] starts = new int[1000];
        for (int i = 0; i < 1000; i++) {
            starts[i] = b.position();
            b.u32(GgufType.ARRAY.id()).u64(1);
        }
        String field = "metadata[\"k\"]" + "[0]".repeat(GgufReader.MAX_ARRAY_DEPTH);
        assertTrue(assertBad(b.bytes(), field, starts[GgufReader.MAX_ARRAY_DEPTH]).contains("nested"));
    }

    @Test
    void tensorDataPastEndOfFile() {
        // 8 F32 elements = 32 bytes, but the data section holds only 16.
        GgufBytes b = new GgufBytes().header(1, 0).tensor("t", F32, 0, 8);
        int offsetAt = b.position() - 8;
        assertTrue(assertBad(b.padTo(32).zeros(16).bytes(), "tensor[0] \"t\".offset", offsetAt).contains("past the end"));
        // An offset near 2^63 must not overflow into a "valid" position.
        GgufBytes far = new GgufBytes().header(1, 0).tensor("t", F32, Long.MAX_VALUE - 31, 8);
        int farOffsetAt = far.position() - 8;
        assertBad(far.padTo(32).zeros(64).bytes(), "tensor[0] \"t\".offset", farOffsetAt);
    }

    @Test
    void misalignedTensorOffset() {
        GgufBytes b = new GgufBytes().header(1, 0).tensor("t", F32, 4, 4);
        int offsetAt = b.position() - 8;
        assertTrue(assertBad(b.padTo(32).zeros(64).bytes(), "tensor[0] \"t\".offset", offsetAt).contains("alignment 32"));
    }

    @Test
    void overlappingTensors() {
        GgufBytes b = new GgufBytes().header(2, 0).tensor("a", F32, 0, 16).tensor("b", F32, 32, 8);
        int bOffsetAt = b.position() - 8;
        assertTrue(assertBad(b.padTo(32).zeros(128).bytes(), "tensor[1] \"b\".offset", bOffsetAt)
                .contains("overlaps tensor[0] \"a\""));
    }

    @Test
    void duplicateNamesAndKeys() {
        GgufBytes t = new GgufBytes().header(2, 0).tensor("a", F32, 0, 8);
        int secondAt = t.position();
        assertBad(t.tensor("a", F32, 32, 8).padTo(32).zeros(64).bytes(), "tensor[1] \"a\".name", secondAt);
        GgufBytes k = new GgufBytes().header(0, 2).kvUint32("x", 1);
        int dupAt = k.position();
        assertTrue(assertBad(k.kvUint32("x", 2).bytes(), "metadata[\"x\"]", dupAt).contains("duplicate"));
    }

    @Test
    void badAlignment() {
        for (long a : new long[] {0, 24, 1L << 31}) {
            assertBad(new GgufBytes().header(0, 1).kvUint32("general.alignment", a).bytes(),
                    "metadata[\"general.alignment\"]", 24);
        }
        byte[] wrongType = new GgufBytes().header(0, 1).str("general.alignment").u32(GgufType.UINT64.id()).u64(32).bytes();
        assertTrue(assertBad(wrongType, "metadata[\"general.alignment\"]", 24).contains("UINT32"));
    }

    /** Decision: invalid UTF-8 is rejected, not replaced (a tokenizer needs the exact bytes). */
    @Test
    void invalidUtf8IsRejected() {
        GgufBytes b = new GgufBytes().header(0, 1).str("k").u32(GgufType.STRING.id());
        int at = b.position();
        assertTrue(assertBad(b.u64(2).raw((byte) 0xC3, (byte) 0x28).bytes(), "metadata[\"k\"]", at).contains("UTF-8"));
        // An encoded surrogate (ED A0 80) and an overlong '/' (C0 AF) are malformed too.
        assertBad(new GgufBytes().header(0, 1).str("k").u32(8).u64(3).raw((byte) 0xED, (byte) 0xA0, (byte) 0x80).bytes(),
                "metadata[\"k\"]", at);
        assertBad(new GgufBytes().header(0, 1).str("k").u32(8).u64(2).raw((byte) 0xC0, (byte) 0xAF).bytes(),
                "metadata[\"k\"]", at);
        // A genuine U+FFFD (EF BF BD) is valid and kept.
        byte[] replacementChar = new GgufBytes().header(0, 1).str("k").u32(8).u64(3)
                .raw((byte) 0xEF, (byte) 0xBF, (byte) 0xBD).bytes();
        try {
            assertEquals("\uFFFD", GgufReader.parse(MemorySegment.ofArray(replacementChar), NAME).getString("k"));
        } catch (ModelFormatException e) {
            fail(e);
        }
        byte[] badKey = new GgufBytes().header(0, 1).u64(1).raw((byte) 0xFF).u32(4).u32(0).bytes();
        assertBad(badKey, "metadata[0].key", 24);
    }

    @Test
    void quantizedRowNotAWholeNumberOfBlocks() {
        int dimsAt = 24 + 9 + 4;
        String msg = assertBad(oneTensor(DType.Q4_0.ggmlId(), 0, 48, 2).padTo(32).zeros(64).bytes(),
                "tensor[0] \"t\".dims[0]", dimsAt);
        assertTrue(msg.contains("48") && msg.contains("32"), msg);
    }

    @Test
    void boolOtherThanZeroOrOne() {
        GgufBytes b = new GgufBytes().header(0, 1).str("b").u32(GgufType.BOOL.id());
        int at = b.position();
        assertBad(b.u8(2).bytes(), "metadata[\"b\"]", at);
    }

    @Test
    void badFileOnDiskFailsTheSameWayAndEmptyFileToo() throws Exception {
        Path empty = Files.createFile(dir.resolve("empty.gguf"));
        try (Arena arena = Arena.ofConfined()) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> GgufFile.open(empty, arena));
            assertEquals("magic", e.field());
            assertTrue(e.getMessage().startsWith(empty.toString()), e.getMessage());
        }
    }
}
