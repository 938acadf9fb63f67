package dev.llmj.tensor.gguf;

import dev.llmj.tensor.LE;
import dev.llmj.tensor.ModelFormatException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A bounds-checked little-endian reader over a mapped file. Every read first checks that the bytes
 * exist and otherwise throws {@link ModelFormatException} naming the field and its offset, so a
 * truncated or lying file never reaches the segment's own bounds checks.
 */
final class GgufCursor {
    private final MemorySegment seg;
    private final Path path;
    private final long size;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private long pos;

    GgufCursor(MemorySegment seg, Path path) {
        this.seg = seg;
        this.path = path;
        this.size = seg.byteSize();
    }

    long position() {
        return pos;
    }

    long remaining() {
        return size - pos;
    }

    long size() {
        return size;
    }

    ModelFormatException error(String field, long offset, String problem) {
        return new ModelFormatException(path, field, offset, problem);
    }

    private void need(long n, String field) throws ModelFormatException {
        if (n > size - pos) {
            throw error(field, pos, "file truncated: needs " + n + " bytes, only " + (size - pos) + " remain (file size "
                    + size + ")");
        }
    }

    int u8(String field) throws ModelFormatException {
        need(1, field);
        return seg.get(ValueLayout.JAVA_BYTE, pos++) & 0xFF;
    }

    int i8(String field) throws ModelFormatException {
        need(1, field);
        return seg.get(ValueLayout.JAVA_BYTE, pos++);
    }

    int u16(String field) throws ModelFormatException {
        return i16(field) & 0xFFFF;
    }

    int i16(String field) throws ModelFormatException {
        need(2, field);
        short v = seg.get(LE.SHORT, pos);
        pos += 2;
        return v;
    }

    long u32(String field) throws ModelFormatException {
        return i32(field) & 0xFFFF_FFFFL;
    }

    int i32(String field) throws ModelFormatException {
        need(4, field);
        int v = seg.get(LE.INT, pos);
        pos += 4;
        return v;
    }

    /** A uint64 or int64, as its bit pattern. */
    long i64(String field) throws ModelFormatException {
        need(8, field);
        long v = seg.get(LE.LONG, pos);
        pos += 8;
        return v;
    }

    float f32(String field) throws ModelFormatException {
        need(4, field);
        float v = seg.get(LE.FLOAT, pos);
        pos += 4;
        return v;
    }

    double f64(String field) throws ModelFormatException {
        need(8, field);
        double v = seg.get(LE.DOUBLE, pos);
        pos += 8;
        return v;
    }

    boolean bool(String field) throws ModelFormatException {
        long at = pos;
        int b = u8(field);
        if (b > 1) {
            throw error(field, at, "BOOL must be 0 or 1, found " + b);
        }
        return b == 1;
    }

    /**
     * A count or length stored as uint64 whose every unit needs at least {@code minUnitBytes} of
     * the bytes that follow; rejected before anything is allocated when it cannot fit.
     */
    long count(String field, long minUnitBytes) throws ModelFormatException {
        long at = pos;
        long n = i64(field);
        if (n < 0 || (minUnitBytes > 0 && n > remaining() / minUnitBytes)) {
            throw error(field, at, "count " + Long.toUnsignedString(n) + " is impossible: only " + remaining()
                    + " bytes remain and each entry needs at least " + minUnitBytes);
        }
        return n;
    }

    /** A GGUF string: see {@link #string(String, long)}. */
    String string(String field) throws ModelFormatException {
        return string(field, -1);
    }

    private static String name(String field, long index) {
        return index < 0 ? field : field + "[" + index + "]";
    }

    /**
     * A GGUF string: uint64 byte length, then that many bytes of UTF-8. The field is named
     * {@code field[index]} (or just {@code field} when index is negative); the name is only built
     * on error, since vocabulary arrays hold 10^5 strings. Invalid UTF-8 is rejected (not
     * replaced): tokenizers need the exact bytes, so silent replacement would corrupt them.
     */
    String string(String field, long index) throws ModelFormatException {
        long at = pos;
        if (remaining() < 8) {
            need(8, name(field, index) + ".length");
        }
        long len = seg.get(LE.LONG, pos);
        if (len < 0 || len > remaining() - 8) {
            throw error(name(field, index) + ".length", at, "string length " + Long.toUnsignedString(len)
                    + " exceeds the " + (remaining() - 8) + " bytes that remain");
        }
        pos += 8;
        if (len == 0) {
            return "";
        }
        if (len > Integer.MAX_VALUE - 8) {
            throw error(name(field, index), at, "string of " + len + " bytes is too long");
        }
        byte[] bytes = new byte[(int) len];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, bytes, 0, bytes.length);
        pos += len;
        // The JDK's lenient decoder is the fast path; it turns every malformed sequence into
        // U+FFFD, so only strings containing U+FFFD (malformed, or a genuine EF BF BD) need the
        // strict decoder to tell which.
        String s = new String(bytes, StandardCharsets.UTF_8);
        if (s.indexOf('\uFFFD') < 0) {
            return s;
        }
        try {
            CharBuffer chars = utf8.reset().decode(ByteBuffer.wrap(bytes));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw error(name(field, index), at, "string is not valid UTF-8 (" + e + ")");
        }
    }

    // ---- bulk reads of fixed-size array elements ----------------------------------------------

    void floats(float[] dst, String field) throws ModelFormatException {
        need(4L * dst.length, field);
        MemorySegment.copy(seg, LE.FLOAT, pos, dst, 0, dst.length);
        pos += 4L * dst.length;
    }

    void doubles(double[] dst, String field) throws ModelFormatException {
        need(8L * dst.length, field);
        MemorySegment.copy(seg, LE.DOUBLE, pos, dst, 0, dst.length);
        pos += 8L * dst.length;
    }

    /** Integer elements of {@code type}, widened to long (unsigned types zero-extended). */
    void integers(GgufType type, long[] dst, String field) throws ModelFormatException {
        need((long) type.fixedSize() * dst.length, field);
        long p = pos;
        switch (type) {
            case UINT8 -> { for (int i = 0; i < dst.length; i++, p += 1) dst[i] = seg.get(LE.BYTE, p) & 0xFFL; }
            case INT8 -> { for (int i = 0; i < dst.length; i++, p += 1) dst[i] = seg.get(LE.BYTE, p); }
            case UINT16 -> { for (int i = 0; i < dst.length; i++, p += 2) dst[i] = seg.get(LE.SHORT, p) & 0xFFFFL; }
            case INT16 -> { for (int i = 0; i < dst.length; i++, p += 2) dst[i] = seg.get(LE.SHORT, p); }
            case UINT32 -> { for (int i = 0; i < dst.length; i++, p += 4) dst[i] = seg.get(LE.INT, p) & 0xFFFF_FFFFL; }
            case INT32 -> { for (int i = 0; i < dst.length; i++, p += 4) dst[i] = seg.get(LE.INT, p); }
            case UINT64, INT64 -> MemorySegment.copy(seg, LE.LONG, p, dst, 0, dst.length);
            default -> throw new AssertionError(type);
        }
        pos += (long) type.fixedSize() * dst.length;
    }

    void booleans(boolean[] dst, String field) throws ModelFormatException {
        need(dst.length, field);
        for (int i = 0; i < dst.length; i++) {
            int b = seg.get(LE.BYTE, pos + i) & 0xFF;
            if (b > 1) {
                throw error(field + "[" + i + "]", pos + i, "BOOL must be 0 or 1, found " + b);
            }
            dst[i] = b == 1;
        }
        pos += dst.length;
    }

    void skipTo(long newPos) {
        assert newPos >= pos;
        pos = newPos;
    }
}
