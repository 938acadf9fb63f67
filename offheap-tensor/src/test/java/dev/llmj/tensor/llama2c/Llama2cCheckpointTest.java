package dev.llmj.tensor.llama2c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.tensor.LE;
import dev.llmj.tensor.ModelFormatException;
import dev.llmj.tensor.Tensor;
import dev.llmj.testsupport.SharedAssets;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cCheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void sharedModelLoadsWithTheShapesItsReadmeGives() throws IOException {
        Path model = SharedAssets.require("models/tinyshakespeare/model.bin");
        try (Arena arena = Arena.ofConfined()) {
            Llama2cCheckpoint ck = Llama2cCheckpoint.open(model, arena);
            Llama2cConfig c = ck.config();
            assertEquals(new Llama2cConfig(192, 512, 6, 6, 2, 512, 256, true), c);
            assertEquals(32, c.headDim());
            assertEquals(64, c.kvDim());
            assertArrayEquals(new long[] {512, 192}, ck.tensor("token_embd.weight").shape());
            assertArrayEquals(new long[] {64, 192}, ck.tensor("blk.5.attn_k.weight").shape());
            assertArrayEquals(new long[] {512, 192}, ck.tensor("blk.0.ffn_gate.weight").shape());
            assertArrayEquals(new long[] {192, 512}, ck.tensor("blk.3.ffn_down.weight").shape());
            assertFalse(ck.tensors().containsKey("output.weight"), "classifier is shared with the embedding");
            assertEquals(2 + 9 * 6, ck.tensors().size());
            long params = ck.tensors().values().stream().mapToLong(Tensor::elementCount).sum();
            assertEquals(2.46e6, params, 0.01e6);
            // RMSNorm weights of a trained model are positive and near 1: a layout slip would not be.
            float g = ck.tensor("output_norm.weight").getFloat(0);
            assertTrue(g > 0.05f && g < 20f, "final norm weight " + g);
        }
    }

    private static ByteBuffer header(int... h) {
        ByteBuffer b = ByteBuffer.allocate(4 * h.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : h) {
            b.putInt(v);
        }
        return b.flip();
    }

    /** A legacy checkpoint with all weights set to their own element index within the tensor. */
    private Path tinyLegacy(int vocab, int extraFloats, int truncateBy) throws IOException {
        int dim = 8, hidden = 16, layers = 2, heads = 2, kv = 1, seq = 4;
        int head = dim / heads;
        long floats = (long) Math.abs(vocab) * dim
                + layers * (2L * dim + 2L * dim * dim + 2L * (kv * head) * dim + 3L * hidden * dim)
                + dim + 2L * seq * head / 2 + (vocab < 0 ? (long) -vocab * dim : 0) + extraFloats;
        ByteBuffer b = ByteBuffer.allocate((int) (28 + 4 * floats)).order(ByteOrder.LITTLE_ENDIAN);
        b.put(header(dim, hidden, layers, heads, kv, vocab, seq));
        for (long i = 0; i < floats; i++) {
            b.putFloat(i);
        }
        Path p = tmp.resolve("tiny-" + vocab + "-" + truncateBy + ".bin");
        Files.write(p, java.util.Arrays.copyOf(b.array(), b.capacity() - truncateBy));
        return p;
    }

    @Test
    void separateClassifierFollowsTheRotaryTables() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Llama2cCheckpoint ck = Llama2cCheckpoint.open(tinyLegacy(-10, 0, 0), arena);
            assertFalse(ck.config().sharedClassifier());
            Tensor out = ck.tensor("output.weight");
            assertArrayEquals(new long[] {10, 8}, out.shape());
            // The classifier is the last 80 floats of the file.
            long totalFloats = (Files.size(ck.path()) - 28) / 4;
            assertEquals(totalFloats - 80, out.getFloat(0, 0));
            assertEquals(10 * 8, ck.tensor("blk.0.attn_norm.weight").getFloat(0), "attn_norm follows the embedding");
        }
    }

    @Test
    void truncatedCheckpointNamesTheTensorThatRunsPastTheEnd() throws IOException {
        Path p = tinyLegacy(10, 0, 4);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> {
            try (Arena arena = Arena.ofConfined()) {
                Llama2cCheckpoint.open(p, arena);
            }
        });
        assertEquals("legacy rotary tables", e.field());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void absurdHeaderValuesAreRejectedWithTheirField() throws IOException {
        Path p = tmp.resolve("bad.bin");
        Files.write(p, header(192, 512, 6, 6, 4, 512, 256).array()); // 6 heads, 4 kv heads
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> open(p));
        assertEquals("n_kv_heads", e.field());
        assertEquals(16, e.byteOffset());

        Files.write(p, header(192, -5, 6, 6, 6, 512, 256).array());
        assertEquals("hidden_dim", assertThrows(ModelFormatException.class, () -> open(p)).field());

        Files.write(p, header(1 << 30, 512, 6, 6, 6, 512, 256).array());
        assertEquals("dim", assertThrows(ModelFormatException.class, () -> open(p)).field());

        Files.write(p, new byte[10]);
        assertEquals("header", assertThrows(ModelFormatException.class, () -> open(p)).field());
    }

    @Test
    void unsupportedExportVersionIsNamed() throws IOException {
        Path p = tmp.resolve("v2.bin");
        ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN).putInt(0x616b3432).putInt(2);
        Files.write(p, b.array());
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> open(p));
        assertEquals("version", e.field());
        assertTrue(e.getMessage().contains("version 2"), e.getMessage());
    }

    @Test
    void mappedWeightsBecomeInaccessibleWhenTheArenaCloses() throws IOException {
        Path p = tinyLegacy(10, 0, 0);
        Arena arena = Arena.ofShared();
        Tensor t = Llama2cCheckpoint.open(p, arena).tensor("token_embd.weight");
        assertEquals(3f, t.getFloat(0, 3));
        arena.close();
        assertThrows(IllegalStateException.class, () -> t.getFloat(0, 3));
        assertEquals(LE.FLOAT.byteSize(), 4);
    }

    private static void open(Path p) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Llama2cCheckpoint.open(p, arena);
        }
    }
}
