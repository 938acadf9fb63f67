package dev.llmj.tensor.llama2c;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.LE;
import dev.llmj.tensor.MappedFile;
import dev.llmj.tensor.ModelFormatException;
import dev.llmj.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A llama2.c checkpoint, mapped read-only into a caller-owned arena; weights are zero-copy F32
 * views named as llama.cpp names them in GGUF ({@code token_embd.weight},
 * {@code blk.N.attn_q.weight}, ...), so the runtime and the GGUF converter treat both sources alike.
 *
 * <p>Two layouts are read:
 * <pre>
 * legacy (version 0):  int32 dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len
 *                      (28 bytes; vocab_size &lt; 0 means a separate classifier follows), then float32:
 *                      token_embd, attn_norm[L], wq[L], wk[L], wv[L], wo[L], ffn_norm[L], w1[L],
 *                      w2[L], w3[L], final norm, two legacy rotary tables (seq_len × head_dim/2
 *                      each, skipped), [wcls]
 * version 1:           uint32 magic "ak42" (0x616b3432), int32 version = 1, the same 7 int32,
 *                      uint8 shared_classifier, zero padding to 256 bytes, then float32:
 *                      attn_norm[L], ffn_norm[L], final norm, token_embd, wq[L], wk[L], wv[L],
 *                      wo[L], w1[L], w2[L], w3[L], [wcls]
 * </pre>
 * Matrices are row-major {@code out × in}.
 */
public final class Llama2cCheckpoint {
    private static final int MAGIC_V1 = 0x616b3432;
    private static final int MAX_DIM = 1 << 20;

    private final Path path;
    private final Llama2cConfig config;
    private final int version;
    private final Map<String, Tensor> tensors;

    private Llama2cCheckpoint(Path path, Llama2cConfig config, int version, Map<String, Tensor> tensors) {
        this.path = path;
        this.config = config;
        this.version = version;
        this.tensors = tensors;
    }

    public Path path() {
        return path;
    }

    public Llama2cConfig config() {
        return config;
    }

    /** 0 for the legacy layout, 1 for the "ak42" float32 export. */
    public int version() {
        return version;
    }

    /** Every weight, in file order, by its llama.cpp GGUF name. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException(path + " has no tensor " + name);
        }
        return t;
    }

    /** Maps {@code file} into {@code arena} (which owns the mapping) and validates its layout. */
    public static Llama2cCheckpoint open(Path file, Arena arena) throws IOException {
        MemorySegment seg = MappedFile.readOnly(file, arena);
        if (seg.byteSize() < 28) {
            throw new ModelFormatException(file, "header", 0,
                    "file has " + seg.byteSize() + " bytes, a llama2.c header needs 28");
        }
        int version = 0;
        long headerBytes = 28;
        long p = 0;
        boolean v1 = seg.get(LE.INT, 0) == MAGIC_V1;
        if (v1) {
            version = seg.get(LE.INT, 4);
            if (version != 1) {
                throw new ModelFormatException(file, "version", 4, "llama2.c export version " + version
                        + " is not supported (only the legacy format and float32 version 1)");
            }
            if (seg.byteSize() < 256) {
                throw new ModelFormatException(file, "header", 0, "truncated version-1 header");
            }
            headerBytes = 256;
            p = 8;
        }
        String[] names = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};
        int[] h = new int[7];
        for (int i = 0; i < 7; i++) {
            h[i] = seg.get(LE.INT, p + 4L * i);
        }
        boolean shared = v1 ? seg.get(LE.BYTE, p + 28) != 0 : h[5] > 0;
        int vocab = Math.abs(h[5]);
        for (int i = 0; i < 7; i++) {
            int v = i == 5 ? vocab : h[i];
            if (v <= 0 || v > (i == 5 || i == 6 ? Integer.MAX_VALUE / 2 : MAX_DIM)) {
                throw new ModelFormatException(file, names[i], p + 4L * i, "value " + h[i] + " is out of range");
            }
        }
        if (h[0] % h[3] != 0 || (h[0] / h[3]) % 2 != 0) {
            throw new ModelFormatException(file, "n_heads", p + 12, "dim " + h[0] + " is not n_heads "
                    + h[3] + " × an even head size");
        }
        if (h[4] > h[3] || h[3] % h[4] != 0) {
            throw new ModelFormatException(file, "n_kv_heads", p + 16, "n_heads " + h[3]
                    + " is not a multiple of n_kv_heads " + h[4]);
        }
        Llama2cConfig c = new Llama2cConfig(h[0], h[1], h[2], h[3], h[4], vocab, h[6], shared);
        Layout layout = new Layout(file, seg, headerBytes);
        if (v1) {
            readVersion1(c, layout);
        } else {
            readLegacy(c, layout);
        }
        return new Llama2cCheckpoint(file, c, version, Collections.unmodifiableMap(layout.tensors));
    }

    private static void readLegacy(Llama2cConfig c, Layout l) throws ModelFormatException {
        l.add("token_embd.weight", c.vocabSize(), c.dim());
        l.perLayer(c, "attn_norm", c.dim());
        l.perLayer(c, "attn_q", c.dim(), c.dim());
        l.perLayer(c, "attn_k", c.kvDim(), c.dim());
        l.perLayer(c, "attn_v", c.kvDim(), c.dim());
        l.perLayer(c, "attn_output", c.dim(), c.dim());
        l.perLayer(c, "ffn_norm", c.dim());
        l.perLayer(c, "ffn_gate", c.hiddenDim(), c.dim());
        l.perLayer(c, "ffn_down", c.dim(), c.hiddenDim());
        l.perLayer(c, "ffn_up", c.hiddenDim(), c.dim());
        l.add("output_norm.weight", c.dim());
        l.skip("legacy rotary tables", Math.multiplyExact(2L * c.seqLen(), c.headDim() / 2) * 4);
        if (!c.sharedClassifier()) {
            l.add("output.weight", c.vocabSize(), c.dim());
        }
    }

    private static void readVersion1(Llama2cConfig c, Layout l) throws ModelFormatException {
        l.perLayer(c, "attn_norm", c.dim());
        l.perLayer(c, "ffn_norm", c.dim());
        l.add("output_norm.weight", c.dim());
        l.add("token_embd.weight", c.vocabSize(), c.dim());
        l.perLayer(c, "attn_q", c.dim(), c.dim());
        l.perLayer(c, "attn_k", c.kvDim(), c.dim());
        l.perLayer(c, "attn_v", c.kvDim(), c.dim());
        l.perLayer(c, "attn_output", c.dim(), c.dim());
        l.perLayer(c, "ffn_gate", c.hiddenDim(), c.dim());
        l.perLayer(c, "ffn_down", c.dim(), c.hiddenDim());
        l.perLayer(c, "ffn_up", c.hiddenDim(), c.dim());
        if (!c.sharedClassifier()) {
            l.add("output.weight", c.vocabSize(), c.dim());
        }
    }

    /** Walks the float32 payload in file order, checking every tensor against the file size. */
    private static final class Layout {
        final Path file;
        final MemorySegment seg;
        long at;
        final Map<String, Tensor> tensors = new LinkedHashMap<>();

        Layout(Path file, MemorySegment seg, long start) {
            this.file = file;
            this.seg = seg;
            this.at = start;
        }

        void add(String name, long... shape) throws ModelFormatException {
            long bytes = 4;
            for (long d : shape) {
                bytes = Math.multiplyExact(bytes, d);
            }
            require(name, bytes);
            tensors.put(name, Tensor.wrap(seg, at, DType.F32, shape));
            at += bytes;
        }

        /** Per-layer tensors are stored as one block of n_layers consecutive matrices. */
        void perLayer(Llama2cConfig c, String kind, long... shape) throws ModelFormatException {
            for (int i = 0; i < c.nLayers(); i++) {
                add("blk." + i + "." + kind + ".weight", shape);
            }
        }

        void skip(String what, long bytes) throws ModelFormatException {
            require(what, bytes);
            at += bytes;
        }

        private void require(String name, long bytes) throws ModelFormatException {
            if (bytes > seg.byteSize() - at) {
                throw new ModelFormatException(file, name, at, "needs " + bytes + " bytes but the file ends after "
                        + (seg.byteSize() - at) + " (truncated checkpoint, or header sizes that do not match)");
            }
        }
    }
}
