package dev.llmj.tensor.gguf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Hand-assembles GGUF bytes (little-endian) so tests can place any value in any field. */
final class GgufBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    int position() {
        return out.size();
    }

    GgufBytes u8(int v) {
        out.write(v);
        return this;
    }

    GgufBytes u32(long v) {
        for (int i = 0; i < 4; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    GgufBytes u64(long v) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    GgufBytes raw(byte... b) {
        out.writeBytes(b);
        return this;
    }

    GgufBytes str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(b.length);
        return raw(b);
    }

    /** Magic, version 3, counts. */
    GgufBytes header(long tensors, long kvs) {
        return raw("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(3).u64(tensors).u64(kvs);
    }

    GgufBytes kvString(String key, String value) {
        return str(key).u32(GgufType.STRING.id()).str(value);
    }

    GgufBytes kvUint32(String key, long value) {
        return str(key).u32(GgufType.UINT32.id()).u32(value);
    }

    /** A tensor info with ggml dims (fastest first). */
    GgufBytes tensor(String name, int ggmlType, long offset, long... ne) {
        str(name).u32(ne.length);
        for (long d : ne) {
            u64(d);
        }
        return u32(ggmlType).u64(offset);
    }

    GgufBytes padTo(int alignment) {
        while (out.size() % alignment != 0) {
            out.write(0);
        }
        return this;
    }

    GgufBytes zeros(int n) {
        out.writeBytes(new byte[n]);
        return this;
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
