package dev.llmj.tensor.gguf;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.ModelFormatException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates the header, metadata and tensor table of a GGUF v2/v3 file held in a
 * segment. Layout (little-endian):
 *
 * <pre>
 *   "GGUF" magic (47 47 55 46) · uint32 version · uint64 tensor_count · uint64 metadata_kv_count
 *   metadata_kv_count × { string key · uint32 value_type · value }
 *   tensor_count × { string name · uint32 n_dims · uint64 ne[n_dims] · uint32 ggml_type · uint64 offset }
 *   zero padding to general.alignment (default 32)
 *   data section: each tensor at data_start + offset, offset a multiple of the alignment
 *   string = uint64 byte length + UTF-8 bytes;  array = uint32 element type + uint64 count + elements
 * </pre>
 *
 * Every count is checked against the bytes that remain before anything is allocated (each element
 * occupies at least one byte), so a lying file fails fast with a {@link ModelFormatException}
 * naming the field and its byte offset instead of exhausting memory.
 */
public final class GgufReader {
    private GgufReader() {}

    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian int
    /** GGML_MAX_DIMS. */
    public static final int MAX_DIMS = 4;
    public static final int DEFAULT_ALIGNMENT = 32;
    /** Deepest nesting of arrays accepted (real files nest at most once); stops depth bombs. */
    public static final int MAX_ARRAY_DEPTH = 8;
    /** Fewest bytes a key/value pair can occupy: empty key (8), type (4), one byte of value. */
    private static final long MIN_KV_BYTES = 13;
    /** Fewest bytes a tensor info can occupy: empty name (8), n_dims (4), one dim (8), type (4), offset (8). */
    private static final long MIN_TENSOR_INFO_BYTES = 32;

    /** Parses {@code segment} (a whole GGUF file); {@code path} is only used in messages. */
    public static GgufFile parse(MemorySegment segment, Path path) throws ModelFormatException {
        GgufCursor c = new GgufCursor(segment, path);
        int magic = c.i32("magic");
        if (magic != MAGIC) {
            throw c.error("magic", 0, String.format(
                    "not a GGUF file: expected bytes 47 47 55 46 (\"GGUF\"), found %02x %02x %02x %02x",
                    magic & 0xFF, (magic >>> 8) & 0xFF, (magic >>> 16) & 0xFF, magic >>> 24));
        }
        long version = c.u32("version");
        if (version != 2 && version != 3) {
            String hint = version == 1 ? " (GGUF v1 used 32-bit counts; re-convert the model with a current llama.cpp)"
                    : Integer.reverseBytes((int) version) == 3 || Integer.reverseBytes((int) version) == 2
                            ? " (looks like a big-endian GGUF, which is not supported)" : "";
            throw c.error("version", 4, "unsupported GGUF version " + version + "; supported: 2, 3" + hint);
        }
        long tensorCount = c.count("tensor_count", MIN_TENSOR_INFO_BYTES);
        long kvCount = c.count("metadata_kv_count", MIN_KV_BYTES);
        if (tensorCount * MIN_TENSOR_INFO_BYTES + kvCount * MIN_KV_BYTES > c.remaining()) {
            throw c.error("metadata_kv_count", 16, kvCount + " key/value pairs and " + tensorCount
                    + " tensor infos cannot fit in the " + c.remaining() + " bytes that remain");
        }

        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        Map<String, Long> keyOffsets = new HashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long keyAt = c.position();
            String key = c.string("metadata[" + i + "].key");
            String field = "metadata[\"" + key + "\"]";
            Long first = keyOffsets.putIfAbsent(key, keyAt);
            if (first != null) {
                throw c.error(field, keyAt, "duplicate key (first defined at byte " + first + ")");
            }
            long typeAt = c.position();
            long typeId = c.u32(field + ".type");
            GgufType type = GgufType.fromId(typeId).orElseThrow(
                    () -> c.error(field + ".type", typeAt, "unknown value type id " + typeId + " (known: 0..12)"));
            metadata.put(key, readValue(c, type, field, 0));
        }

        long metadataEnd = c.position();
        int alignment = alignment(c, metadata, keyOffsets);

        List<GgufTensorInfo> infos = new ArrayList<>((int) tensorCount);
        long[] offsetFieldAt = new long[(int) tensorCount];
        Map<String, Integer> byName = new HashMap<>();
        for (int i = 0; i < tensorCount; i++) {
            long nameAt = c.position();
            String name = c.string("tensor[" + i + "].name");
            String f = "tensor[" + i + "] \"" + name + "\"";
            Integer prev = byName.putIfAbsent(name, i);
            if (prev != null) {
                throw c.error(f + ".name", nameAt, "duplicate tensor name (also tensor[" + prev + "])");
            }
            long nDimsAt = c.position();
            long nDims = c.u32(f + ".n_dims");
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw c.error(f + ".n_dims", nDimsAt, "n_dims " + nDims + " is outside 1.." + MAX_DIMS);
            }
            long dimsAt = c.position();
            long[] ne = new long[(int) nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                long at = c.position();
                ne[d] = c.i64(f + ".dims[" + d + "]");
                if (ne[d] <= 0) {
                    throw c.error(f + ".dims[" + d + "]", at, "dimension " + Long.toUnsignedString(ne[d])
                            + " must be positive and below 2^63");
                }
                try {
                    elements = Math.multiplyExact(elements, ne[d]);
                } catch (ArithmeticException e) {
                    throw c.error(f + ".dims", dimsAt, "element count of " + Arrays.toString(ne) + " overflows a long");
                }
            }
            long typeAt = c.position();
            long typeId = c.u32(f + ".type");
            DType dtype = DType.fromGgmlId(typeId).orElseThrow(
                    () -> c.error(f + ".type", typeAt, "unknown ggml type id " + typeId));
            if (ne[0] % dtype.blockSize() != 0) {
                throw c.error(f + ".dims[0]", dimsAt, dtype + " stores blocks of " + dtype.blockSize()
                        + " elements but the row length ne[0] = " + ne[0] + " is not a multiple");
            }
            long byteSize;
            try {
                byteSize = dtype.byteSize(elements);
            } catch (ArithmeticException e) {
                throw c.error(f + ".dims", dimsAt, "byte size of " + dtype + " " + Arrays.toString(ne) + " overflows a long");
            }
            long offsetAt = c.position();
            long offset = c.i64(f + ".offset");
            if (offset < 0 || offset % alignment != 0) {
                throw c.error(f + ".offset", offsetAt, "offset " + Long.toUnsignedString(offset)
                        + " is not a multiple of the alignment " + alignment);
            }
            offsetFieldAt[i] = offsetAt;
            infos.add(new GgufTensorInfo(name, dtype, ne, offset, -1, byteSize));
        }

        // The data section starts at the next multiple of the alignment after the tensor table.
        long dataOffset = (c.position() + alignment - 1) / alignment * alignment;
        List<GgufTensorInfo> placed = new ArrayList<>(infos.size());
        for (int i = 0; i < infos.size(); i++) {
            GgufTensorInfo t = infos.get(i);
            long room = c.size() - dataOffset;
            if (t.relativeOffset() > room || t.byteSize() > room - t.relativeOffset()) {
                throw c.error(field(i, t) + ".offset", offsetFieldAt[i], "tensor data [" + t.relativeOffset() + ", "
                        + (t.relativeOffset() + t.byteSize()) + ") of the data section at byte " + dataOffset
                        + " extends past the end of the file (" + c.size() + " bytes)");
            }
            placed.add(new GgufTensorInfo(t.name(), t.dtype(), t.ggmlDims(), t.relativeOffset(),
                    dataOffset + t.relativeOffset(), t.byteSize()));
        }
        checkNoOverlap(c, placed, offsetFieldAt);
        return new GgufFile(path, segment, (int) version, metadata, keyOffsets, metadataEnd, alignment, dataOffset,
                placed);
    }

    private static String field(int i, GgufTensorInfo t) {
        return "tensor[" + i + "] \"" + t.name() + "\"";
    }

    private static void checkNoOverlap(GgufCursor c, List<GgufTensorInfo> infos, long[] offsetFieldAt)
            throws ModelFormatException {
        Integer[] order = new Integer[infos.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingLong(i -> infos.get(i).relativeOffset()));
        for (int k = 1; k < order.length; k++) {
            GgufTensorInfo a = infos.get(order[k - 1]);
            GgufTensorInfo b = infos.get(order[k]);
            if (a.relativeOffset() + a.byteSize() > b.relativeOffset()) {
                throw c.error(field(order[k], b) + ".offset", offsetFieldAt[order[k]], "tensor data starting at "
                        + b.relativeOffset() + " overlaps " + field(order[k - 1], a) + " at ["
                        + a.relativeOffset() + ", " + (a.relativeOffset() + a.byteSize()) + ")");
            }
        }
    }

    private static int alignment(GgufCursor c, Map<String, GgufValue> metadata, Map<String, Long> keyOffsets)
            throws ModelFormatException {
        GgufValue v = metadata.get("general.alignment");
        if (v == null) {
            return DEFAULT_ALIGNMENT;
        }
        String field = "metadata[\"general.alignment\"]";
        long at = keyOffsets.get("general.alignment");
        if (v.type() != GgufType.UINT32) {
            throw c.error(field, at, "must be a UINT32, found " + v);
        }
        long a = v.asLong();
        if (a == 0 || (a & (a - 1)) != 0 || a > (1 << 30)) {
            throw c.error(field, at, "alignment " + a + " is not a power of two between 1 and 2^30");
        }
        return (int) a;
    }

    private static GgufValue readValue(GgufCursor c, GgufType type, String field, int depth)
            throws ModelFormatException {
        return switch (type) {
            case UINT8 -> GgufValue.uint8(c.u8(field));
            case INT8 -> GgufValue.int8(c.i8(field));
            case UINT16 -> GgufValue.uint16(c.u16(field));
            case INT16 -> GgufValue.int16(c.i16(field));
            case UINT32 -> GgufValue.uint32(c.u32(field));
            case INT32 -> GgufValue.int32(c.i32(field));
            case UINT64 -> GgufValue.uint64(c.i64(field));
            case INT64 -> GgufValue.int64(c.i64(field));
            case FLOAT32 -> GgufValue.float32(c.f32(field));
            case FLOAT64 -> GgufValue.float64(c.f64(field));
            case BOOL -> GgufValue.bool(c.bool(field));
            case STRING -> GgufValue.string(c.string(field));
            case ARRAY -> GgufValue.array(readArray(c, field, depth + 1));
        };
    }

    private static GgufArray readArray(GgufCursor c, String field, int depth) throws ModelFormatException {
        long at = c.position();
        if (depth > MAX_ARRAY_DEPTH) {
            throw c.error(field, at, "arrays nested deeper than " + MAX_ARRAY_DEPTH + " levels");
        }
        long typeId = c.u32(field + ".element_type");
        GgufType et = GgufType.fromId(typeId).orElseThrow(
                () -> c.error(field + ".element_type", at, "unknown value type id " + typeId + " (known: 0..12)"));
        long countAt = c.position();
        long n = c.count(field + ".count", et.minEncodedSize());
        if (n > Integer.MAX_VALUE - 8) {
            throw c.error(field + ".count", countAt, "array of " + n + " elements is too large for this reader");
        }
        Object store = GgufArray.newStorage(et, (int) n);
        switch (store) {
            case float[] a -> c.floats(a, field);
            case double[] a -> c.doubles(a, field);
            case boolean[] a -> c.booleans(a, field);
            case long[] a -> c.integers(et, a, field);
            case String[] a -> {
                for (int i = 0; i < a.length; i++) {
                    a[i] = c.string(field, i);
                }
            }
            case GgufArray[] a -> {
                for (int i = 0; i < a.length; i++) {
                    a[i] = readArray(c, field + "[" + i + "]", depth + 1);
                }
            }
            default -> throw new AssertionError(store);
        }
        return new GgufArray(et, store);
    }
}
