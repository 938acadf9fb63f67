package dev.llmj.tensor.llama2c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.tensor.ModelFormatException;
import dev.llmj.testsupport.SharedAssets;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cTokenizerFileTest {
    private static final Path P = Path.of("t.bin");

    /** Builds a tokenizer.bin image: header then (score, len, bytes) per piece. */
    static byte[] image(int maxLen, float[] scores, String... pieces) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        out.write(b.putInt(0, maxLen).array(), 0, 4);
        for (int i = 0; i < pieces.length; i++) {
            byte[] p = pieces[i].getBytes(StandardCharsets.UTF_8);
            b.putFloat(0, scores[i]).putInt(4, p.length);
            out.write(b.array(), 0, 8);
            out.write(p, 0, p.length);
        }
        return out.toByteArray();
    }

    static Llama2cTokenizerFile parse(byte[] img, int vocab) throws ModelFormatException {
        return Llama2cTokenizerFile.parse(P, MemorySegment.ofArray(img), vocab);
    }

    @Test
    void readsPiecesAndScores() throws Exception {
        byte[] img = image(3, new float[] {0f, -1.5f, 2f}, "<u>", " a", "é");
        Llama2cTokenizerFile f = parse(img, 3);
        assertEquals(3, f.size());
        assertEquals(3, f.maxTokenLength());
        assertEquals(" a", f.piece(1));
        assertEquals("é", f.piece(2));
        assertEquals(-1.5f, f.score(1));
        // Extra tokens beyond vocab_size are ignored, like llama2.c.
        assertEquals(2, parse(img, 2).size());
    }

    @Test
    void truncationNamesFieldAndOffset() {
        byte[] img = image(3, new float[] {0f, 1f, 2f}, "abc", "de", "f");
        // Cut inside the last piece's bytes: header 4 + (8+3) + (8+2) = 25, then 8 + 1 byte.
        byte[] cut = Arrays.copyOf(img, img.length - 1);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> parse(cut, 3));
        assertEquals("token[2].bytes", e.field());
        assertEquals(25 + 8, e.byteOffset());
        // Cut inside the score/length pair of token 2.
        ModelFormatException e2 =
                assertThrows(ModelFormatException.class, () -> parse(Arrays.copyOf(img, 30), 2 + 1));
        assertTrue(e2.getMessage().contains("vocab_size") || e2.field().startsWith("token[2]"), e2.getMessage());
        ModelFormatException e3 = assertThrows(ModelFormatException.class, () -> parse(new byte[2], 1));
        assertEquals("max_token_length", e3.field());
    }

    @Test
    void absurdLengthsAreRejectedBeforeAllocation() {
        byte[] img = image(3, new float[] {0f, 1f}, "abc", "de");
        // token[1].length := 0x7fffffff (bigger than max_token_length and the file).
        ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN).putInt(4 + 11 + 4, Integer.MAX_VALUE);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> parse(img, 2));
        assertEquals("token[1].length", e.field());
        assertEquals(4 + 11 + 4, e.byteOffset());
        // A negative (uint32 >= 2^31) length.
        ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN).putInt(4 + 11 + 4, -5);
        assertEquals("token[1].length", assertThrows(ModelFormatException.class, () -> parse(img, 2)).field());
        // A vocabulary far larger than the file could hold.
        ModelFormatException big = assertThrows(ModelFormatException.class, () -> parse(img, 1_000_000));
        assertEquals("vocab_size", big.field());
        assertThrows(IllegalArgumentException.class,
                () -> Llama2cTokenizerFile.read(P, Integer.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> Llama2cTokenizerFile.read(P, 0));
        // Non-positive max_token_length.
        byte[] bad = image(0, new float[] {0f}, "");
        assertEquals("max_token_length",
                assertThrows(ModelFormatException.class, () -> parse(bad, 1)).field());
    }

    @Test
    void nanScoreIsRejected() {
        byte[] img = image(2, new float[] {0f, Float.NaN}, "a", "b");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> parse(img, 2));
        assertEquals("token[1].score", e.field());
        assertEquals(4 + 9, e.byteOffset());
    }

    @Test
    void readsFileFromDisk(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("tokenizer.bin");
        Files.write(p, image(2, new float[] {0f, 1f}, "ab", " c"));
        Llama2cTokenizerFile f = Llama2cTokenizerFile.read(p, 2);
        assertEquals(" c", f.piece(1));
        Files.write(p, Arrays.copyOf(image(2, new float[] {0f, 1f}, "ab", " c"), 20));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Llama2cTokenizerFile.read(p, 2));
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
    }

    @Test
    void sharedModelTokenizer() throws Exception {
        Path p = SharedAssets.require("models/tinyshakespeare/tokenizer.bin");
        Llama2cTokenizerFile f = Llama2cTokenizerFile.read(p, 512);
        assertEquals(512, f.size());
        assertEquals("<unk>", f.piece(0));
        assertEquals("<0x0A>", f.piece(3 + 0x0A));
        assertEquals("<0xFF>", f.piece(258));
    }
}
