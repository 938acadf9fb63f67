package dev.llmj.runtime.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.tensor.ModelFormatException;
import dev.llmj.tensor.gguf.GgufFile;
import dev.llmj.testsupport.SharedAssets;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading tokenizers from files, and the errors bad files give. */
class TokenizerFilesTest {
    @TempDir
    Path dir;

    @Test
    void truncatedTokenizerBinNamesFieldAndOffset() throws Exception {
        byte[] good = Files.readAllBytes(SharedAssets.require("models/tinyshakespeare/tokenizer.bin"));
        Path cut = dir.resolve("tokenizer.bin");
        Files.write(cut, Arrays.copyOf(good, good.length - 1));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizers.fromLlama2c(cut, 512));
        assertEquals("token[511].bytes", e.field());
        assertTrue(e.getMessage().contains(cut.toString()) && e.getMessage().contains("at byte " + e.byteOffset()),
                e.getMessage());
        // A corrupt length field in the middle of the file.
        byte[] bad = good.clone();
        ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putInt(4 + 4, 0x7fff_0000); // token[0].length
        Files.write(cut, bad);
        ModelFormatException e2 = assertThrows(ModelFormatException.class, () -> Tokenizers.fromLlama2c(cut, 512));
        assertEquals("token[0].length", e2.field());
        assertEquals(8, e2.byteOffset());
    }

    // ---- a minimal GGUF v3 writer for metadata-only files ---------------------------------------

    private static final int T_UINT32 = 4, T_STRING = 8, T_ARRAY = 9, T_INT32 = 5;

    private static final class Gguf {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        int count;

        void i32(int v) {
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
        }

        void i64(long v) {
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }

        void str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            out.writeBytes(b);
        }

        Gguf string(String key, String v) {
            str(key);
            i32(T_STRING);
            str(v);
            count++;
            return this;
        }

        Gguf uint32(String key, int v) {
            str(key);
            i32(T_UINT32);
            i32(v);
            count++;
            return this;
        }

        Gguf strings(String key, List<String> vs) {
            str(key);
            i32(T_ARRAY);
            i32(T_STRING);
            i64(vs.size());
            vs.forEach(this::str);
            count++;
            return this;
        }

        Gguf ints(String key, int... vs) {
            str(key);
            i32(T_ARRAY);
            i32(T_INT32);
            i64(vs.length);
            for (int v : vs) {
                i32(v);
            }
            count++;
            return this;
        }

        Path write(Path p) throws Exception {
            ByteArrayOutputStream file = new ByteArrayOutputStream();
            ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            h.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(0).putLong(count);
            file.writeBytes(h.array());
            file.writeBytes(out.toByteArray());
            Files.write(p, file.toByteArray());
            return p;
        }
    }

    private Tokenizer open(Gguf g, Arena arena) throws Exception {
        return Tokenizers.fromGguf(GgufFile.open(g.write(dir.resolve("v.gguf")), arena));
    }

    @Test
    void ggufVocabularyWithDefaults() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Tokenizer t = open(new Gguf().string("tokenizer.ggml.model", "llama")
                    .strings("tokenizer.ggml.tokens", List.of("<unk>", "<s>", "</s>", "▁a", "▁"))
                    .ints("tokenizer.ggml.token_type", 2, 3, 3, 1, 1)
                    .uint32("tokenizer.ggml.padding_token_id", -1), arena);
            assertEquals(1, t.bos());
            assertEquals(2, t.eos());
            assertEquals(Vocabulary.NONE, t.vocabulary().pad());
            assertArrayEquals(new int[] {1, 3}, t.encode("a", true));
        }
    }

    @Test
    void badGgufVocabulariesNameTheKey() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            ModelFormatException model = assertThrows(ModelFormatException.class, () -> open(
                    new Gguf().string("tokenizer.ggml.model", "bert").strings("tokenizer.ggml.tokens", List.of("a")),
                    arena));
            assertTrue(model.field().contains("tokenizer.ggml.model") && model.getMessage().contains("bert"),
                    model.getMessage());
            ModelFormatException bos = assertThrows(ModelFormatException.class, () -> open(
                    new Gguf().string("tokenizer.ggml.model", "llama").strings("tokenizer.ggml.tokens", List.of("a"))
                            .uint32("tokenizer.ggml.bos_token_id", 7), arena));
            assertTrue(bos.field().contains("bos_token_id"), bos.getMessage());
            ModelFormatException types = assertThrows(ModelFormatException.class, () -> open(
                    new Gguf().string("tokenizer.ggml.model", "llama").strings("tokenizer.ggml.tokens", List.of("a", "b"))
                            .ints("tokenizer.ggml.token_type", 1, 9), arena));
            assertTrue(types.field().contains("token_type") && types.getMessage().contains("element 1"),
                    types.getMessage());
            ModelFormatException noMerges = assertThrows(ModelFormatException.class, () -> open(
                    new Gguf().string("tokenizer.ggml.model", "gpt2").strings("tokenizer.ggml.tokens", List.of("a")),
                    arena));
            assertTrue(noMerges.field().contains("merges"), noMerges.getMessage());
            ModelFormatException missing = assertThrows(ModelFormatException.class, () -> open(
                    new Gguf().string("tokenizer.ggml.model", "llama"), arena));
            assertTrue(missing.getMessage().contains("tokenizer.ggml.tokens"), missing.getMessage());
        }
    }

    @Test
    void sharedVocabularyMetadata() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Vocabulary spm = Tokenizers.vocabularyFromGguf(
                    GgufFile.open(SharedAssets.require("vocab/ggml-vocab-llama-spm.gguf"), arena));
            assertEquals(32000, spm.size());
            assertEquals(Vocabulary.Model.SPM, spm.model());
            assertTrue(spm.addBos() && spm.addSpacePrefix() && !spm.addEos());
            Vocabulary deepseek = Tokenizers.vocabularyFromGguf(
                    GgufFile.open(SharedAssets.require("vocab/ggml-vocab-deepseek-llm.gguf"), arena));
            assertEquals("deepseek-llm", deepseek.preTokenizer());
            assertEquals(100000, deepseek.bos());
            assertEquals(99757, deepseek.mergeCount());
            assertEquals(TokenType.USER_DEFINED, deepseek.type(100014)); // "ü", matched before BPE
        }
    }
}
