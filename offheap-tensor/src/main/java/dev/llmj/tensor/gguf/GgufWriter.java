package dev.llmj.tensor.gguf;

import dev.llmj.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Writes GGUF version 3 files in the layout llama.cpp writes and reads: header, metadata in
 * insertion order, tensor table, zero padding to the alignment, then each tensor's bytes at the
 * next aligned offset (padded with zeros after every tensor, the last included; a file without
 * tensors ends right after its metadata). Rewriting a file llama.cpp wrote reproduces it byte for
 * byte (see GgufRewriteTest).
 *
 * <p>Streams through a {@link FileChannel} with a small buffer: tensor bytes go straight from
 * their segments to the file, so multi-gigabyte models never pass through a Java array.
 */
public final class GgufWriter {
    /** GGML_MAX_NAME is 64 including the terminating NUL. */
    public static final int MAX_TENSOR_NAME_BYTES = 63;
    private static final int VERSION = 3;
    private static final int CHUNK = 1 << 20;

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private int alignment = GgufReader.DEFAULT_ALIGNMENT;

    /**
     * Sets the data alignment (a power of two); when it is not 32 the writer records it as
     * {@code general.alignment} (UINT32) after the other metadata, unless that key was put
     * explicitly with the same value.
     */
    public GgufWriter alignment(int alignment) {
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0 || alignment > (1 << 30)) {
            throw new IllegalArgumentException("alignment must be a power of two in 1..2^30, got " + alignment);
        }
        this.alignment = alignment;
        return this;
    }

    /** Adds a key/value pair; keys are written in insertion order and must be unique. */
    public GgufWriter put(String key, GgufValue value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        utf8(key, "metadata key");
        if (metadata.putIfAbsent(key, value) != null) {
            throw new IllegalArgumentException("duplicate metadata key \"" + key + "\"");
        }
        return this;
    }

    /** The metadata put so far, in order (read-only view; excludes the implicit general.alignment). */
    public Map<String, GgufValue> metadata() {
        return java.util.Collections.unmodifiableMap(metadata);
    }

    public GgufWriter putString(String key, String v) { return put(key, GgufValue.string(v)); }
    public GgufWriter putUint32(String key, long v) { return put(key, GgufValue.uint32(v)); }
    public GgufWriter putInt32(String key, int v) { return put(key, GgufValue.int32(v)); }
    public GgufWriter putUint64(String key, long v) { return put(key, GgufValue.uint64(v)); }
    public GgufWriter putFloat32(String key, float v) { return put(key, GgufValue.float32(v)); }
    public GgufWriter putBool(String key, boolean v) { return put(key, GgufValue.bool(v)); }
    public GgufWriter putArray(String key, GgufArray v) { return put(key, GgufValue.array(v)); }

    /**
     * Adds a tensor of any dtype (its row-major shape becomes GGUF dims reversed). The tensor's
     * bytes are read when {@link #write} runs, so its arena must still be open then.
     */
    public GgufWriter addTensor(String name, Tensor tensor) {
        Objects.requireNonNull(tensor, "tensor");
        byte[] n = utf8(name, "tensor name");
        if (n.length > MAX_TENSOR_NAME_BYTES) {
            throw new IllegalArgumentException("tensor name \"" + name + "\" is " + n.length
                    + " bytes of UTF-8; GGUF allows at most " + MAX_TENSOR_NAME_BYTES);
        }
        if (tensor.rank() < 1 || tensor.rank() > GgufReader.MAX_DIMS) {
            throw new IllegalArgumentException("tensor \"" + name + "\" has rank " + tensor.rank() + "; GGUF allows 1.."
                    + GgufReader.MAX_DIMS);
        }
        for (long d : tensor.shape()) {
            if (d <= 0) {
                throw new IllegalArgumentException("tensor \"" + name + "\" has an empty dimension: " + tensor);
            }
        }
        if (tensor.strides()[tensor.rank() - 1] != 1) {
            throw new IllegalArgumentException("tensor \"" + name + "\" has non-contiguous rows (a transposed view?); "
                    + "write a contiguous copy");
        }
        if (tensors.putIfAbsent(name, tensor) != null) {
            throw new IllegalArgumentException("duplicate tensor name \"" + name + "\"");
        }
        return this;
    }

    /**
     * Writes the file, replacing any existing one. If writing fails (an I/O error, a string that
     * is not encodable, a tensor whose arena was closed) the partial file is deleted.
     */
    public void write(Path file) throws IOException {
        try {
            writeUnchecked(file);
        } catch (IOException | RuntimeException | Error e) {
            try {
                java.nio.file.Files.deleteIfExists(file);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private void writeUnchecked(Path file) throws IOException {
        Map<String, GgufValue> meta = new LinkedHashMap<>(metadata);
        GgufValue explicit = meta.get("general.alignment");
        if (explicit != null) {
            if (explicit.type() != GgufType.UINT32 || explicit.asLong() != alignment) {
                throw new IllegalStateException("metadata general.alignment = " + explicit
                        + " disagrees with alignment(" + alignment + ")");
            }
        } else if (alignment != GgufReader.DEFAULT_ALIGNMENT) {
            meta.put("general.alignment", GgufValue.uint32(alignment));
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            Out out = new Out(ch);
            out.u32(GgufReader.MAGIC);
            out.u32(VERSION);
            out.u64(tensors.size());
            out.u64(meta.size());
            for (Map.Entry<String, GgufValue> e : meta.entrySet()) {
                out.string(e.getKey());
                out.u32(e.getValue().type().id());
                writeValue(out, e.getValue());
            }
            long offset = 0;
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                Tensor t = e.getValue();
                out.string(e.getKey());
                long[] shape = t.shape();
                out.u32(shape.length);
                for (int i = shape.length - 1; i >= 0; i--) {
                    out.u64(shape[i]);
                }
                out.u32(t.dtype().ggmlId());
                offset = align(offset);
                out.u64(offset);
                offset += t.dtype().byteSize(t.elementCount());
            }
            if (!tensors.isEmpty()) { // like llama.cpp, a file without tensors ends after its table
                out.pad(align(out.position()) - out.position());
            }
            for (Tensor t : tensors.values()) {
                writeTensorBytes(out, t);
                out.pad(align(out.position()) - out.position());
            }
            out.flush();
        }
    }

    private long align(long x) {
        return (x + alignment - 1) / alignment * alignment;
    }

    private static void writeTensorBytes(Out out, Tensor t) throws IOException {
        if (t.isContiguous()) {
            MemorySegment s = t.segment();
            for (long p = 0; p < s.byteSize(); p += CHUNK) {
                out.segment(s.asSlice(p, Math.min(CHUNK, s.byteSize() - p)));
            }
        } else {
            long rowBytes = t.rowBytes();
            for (long r = 0; r < t.rows(); r++) {
                out.segment(t.base().asSlice(t.rowOffset(r), rowBytes));
            }
        }
    }

    private static void writeValue(Out out, GgufValue v) throws IOException {
        switch (v.type()) {
            case UINT8, INT8 -> out.u8((int) v.asLong());
            case UINT16, INT16 -> out.u16((int) v.asLong());
            case UINT32, INT32 -> out.u32((int) v.asLong());
            case UINT64, INT64 -> out.u64(v.asLong());
            case FLOAT32 -> out.u32(Float.floatToRawIntBits((Float) v.value()));
            case FLOAT64 -> out.u64(Double.doubleToRawLongBits((Double) v.value()));
            case BOOL -> out.u8(v.asBoolean() ? 1 : 0);
            case STRING -> out.string(v.asString());
            case ARRAY -> writeArray(out, v.asArray());
        }
    }

    private static void writeArray(Out out, GgufArray a) throws IOException {
        out.u32(a.elementType().id());
        out.u64(a.size());
        switch (a.storage()) {
            case long[] xs -> {
                for (long x : xs) {
                    switch (a.elementType()) {
                        case UINT8, INT8 -> out.u8((int) x);
                        case UINT16, INT16 -> out.u16((int) x);
                        case UINT32, INT32 -> out.u32((int) x);
                        default -> out.u64(x);
                    }
                }
            }
            case float[] xs -> { for (float x : xs) out.u32(Float.floatToRawIntBits(x)); }
            case double[] xs -> { for (double x : xs) out.u64(Double.doubleToRawLongBits(x)); }
            case boolean[] xs -> { for (boolean x : xs) out.u8(x ? 1 : 0); }
            case String[] xs -> { for (String x : xs) out.string(x); }
            case GgufArray[] xs -> { for (GgufArray x : xs) writeArray(out, x); }
            default -> throw new AssertionError(a.storage());
        }
    }

    private static byte[] utf8(String s, String what) {
        Objects.requireNonNull(s, what);
        CharsetEncoder enc = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            ByteBuffer b = enc.encode(CharBuffer.wrap(s));
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(what + " is not encodable as UTF-8 (unpaired surrogate?): " + e);
        }
    }

    /** Little-endian buffered output that counts the bytes it has written. */
    private static final class Out {
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        private long flushed;

        Out(FileChannel ch) {
            this.ch = ch;
        }

        long position() {
            return flushed + buf.position();
        }

        private void room(int n) throws IOException {
            if (buf.remaining() < n) {
                flush();
            }
        }

        void u8(int v) throws IOException { room(1); buf.put((byte) v); }
        void u16(int v) throws IOException { room(2); buf.putShort((short) v); }
        void u32(int v) throws IOException { room(4); buf.putInt(v); }
        void u32(long v) throws IOException { u32((int) v); }
        void u64(long v) throws IOException { room(8); buf.putLong(v); }

        void string(String s) throws IOException {
            byte[] b = utf8(s, "string");
            u64(b.length);
            bytes(ByteBuffer.wrap(b));
        }

        void pad(long n) throws IOException {
            for (long i = 0; i < n; i++) {
                u8(0);
            }
        }

        void segment(MemorySegment s) throws IOException {
            bytes(s.asByteBuffer());
        }

        private void bytes(ByteBuffer src) throws IOException {
            if (src.remaining() <= buf.remaining()) {
                buf.put(src);
                return;
            }
            flush();
            if (src.remaining() <= buf.remaining()) {
                buf.put(src);
                return;
            }
            while (src.hasRemaining()) {
                flushed += ch.write(src);
            }
        }

        void flush() throws IOException {
            buf.flip();
            while (buf.hasRemaining()) {
                flushed += ch.write(buf);
            }
            buf.clear();
        }
    }
}
