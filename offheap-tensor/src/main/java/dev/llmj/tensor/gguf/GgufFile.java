package dev.llmj.tensor.gguf;

import dev.llmj.tensor.MappedFile;
import dev.llmj.tensor.ModelFormatException;
import dev.llmj.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/**
 * A GGUF file mapped read-only: its metadata, tensor table, and zero-copy tensor views.
 *
 * <p>The mapping belongs to the {@link Arena} passed to {@link #open}; closing that arena unmaps
 * the file, after which every tensor view throws {@link IllegalStateException}. The metadata and
 * tensor table are plain Java objects and stay usable. No file handle is kept open.
 */
public final class GgufFile {
    private final Path path;
    private final MemorySegment segment;
    private final int version;
    private final Map<String, GgufValue> metadata;
    private final Map<String, Long> keyOffsets;
    /** Where the metadata ends (and the tensor table starts): the offset reported for a missing key. */
    private final long metadataEnd;
    private final int alignment;
    private final long dataOffset;
    private final List<GgufTensorInfo> tensorInfos;
    private final Map<String, GgufTensorInfo> byName;

    GgufFile(Path path, MemorySegment segment, int version, Map<String, GgufValue> metadata,
            Map<String, Long> keyOffsets, long metadataEnd, int alignment, long dataOffset,
            List<GgufTensorInfo> tensorInfos) {
        this.path = path;
        this.segment = segment;
        this.version = version;
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        this.keyOffsets = Map.copyOf(keyOffsets);
        this.metadataEnd = metadataEnd;
        this.alignment = alignment;
        this.dataOffset = dataOffset;
        this.tensorInfos = List.copyOf(tensorInfos);
        Map<String, GgufTensorInfo> m = new HashMap<>();
        for (GgufTensorInfo t : tensorInfos) {
            m.put(t.name(), t);
        }
        this.byName = m;
    }

    /** Whether {@code file} starts with the GGUF magic (cheap: reads 4 bytes, maps nothing). */
    public static boolean isGguf(Path file) throws IOException {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
            byte[] m = in.readNBytes(4);
            return m.length == 4 && (m[0] & 0xFF | (m[1] & 0xFF) << 8 | (m[2] & 0xFF) << 16 | (m[3] & 0xFF) << 24)
                    == GgufReader.MAGIC;
        }
    }

    /**
     * Maps {@code file} read-only into {@code arena} and validates it.
     *
     * @throws ModelFormatException naming the field and byte offset when the file is malformed
     * @throws IOException when the file cannot be read
     */
    public static GgufFile open(Path file, Arena arena) throws IOException {
        return GgufReader.parse(MappedFile.readOnly(file, arena), file);
    }

    public Path path() {
        return path;
    }

    /** GGUF version (2 or 3). */
    public int version() {
        return version;
    }

    /** The whole mapped file. */
    public MemorySegment segment() {
        return segment;
    }

    /** All key/value pairs in file order (unmodifiable). */
    public Map<String, GgufValue> metadata() {
        return metadata;
    }

    public Optional<GgufValue> get(String key) {
        return Optional.ofNullable(metadata.get(key));
    }

    /** Byte offset of {@code key}'s entry in the file, if present. */
    public OptionalLong keyOffset(String key) {
        Long at = keyOffsets.get(key);
        return at == null ? OptionalLong.empty() : OptionalLong.of(at);
    }

    /**
     * The value of a required key.
     *
     * @throws ModelFormatException naming the key and the file when it is missing
     */
    public GgufValue require(String key) throws ModelFormatException {
        GgufValue v = metadata.get(key);
        if (v == null) {
            throw new ModelFormatException(path, "metadata[\"" + key + "\"]", metadataEnd,
                    "required key is missing (the metadata, ending here, has " + metadata.size() + " keys)");
        }
        return v;
    }

    /** Applies a typed accessor, turning a type mismatch into a {@link ModelFormatException}. */
    private <T> T typed(String key, java.util.function.Function<GgufValue, T> accessor) throws ModelFormatException {
        GgufValue v = require(key);
        try {
            return accessor.apply(v);
        } catch (IllegalStateException e) {
            throw new ModelFormatException(path, "metadata[\"" + key + "\"]", keyOffsets.get(key), e.getMessage());
        }
    }

    public String getString(String key) throws ModelFormatException {
        return typed(key, GgufValue::asString);
    }

    /** Any integer type. */
    public long getLong(String key) throws ModelFormatException {
        return typed(key, GgufValue::asLong);
    }

    /** Any integer type whose value fits in an int. */
    public int getInt(String key) throws ModelFormatException {
        return typed(key, GgufValue::asInt);
    }

    /** Any numeric type. */
    public double getDouble(String key) throws ModelFormatException {
        return typed(key, GgufValue::asDouble);
    }

    public boolean getBoolean(String key) throws ModelFormatException {
        return typed(key, GgufValue::asBoolean);
    }

    public GgufArray getArray(String key) throws ModelFormatException {
        return typed(key, GgufValue::asArray);
    }

    /** The string at {@code key}, empty when absent; a present value of another type is an error. */
    public Optional<String> optString(String key) throws ModelFormatException {
        return metadata.containsKey(key) ? Optional.of(getString(key)) : Optional.empty();
    }

    /** The integer at {@code key}, empty when absent; a present value of another type is an error. */
    public OptionalLong optLong(String key) throws ModelFormatException {
        return metadata.containsKey(key) ? OptionalLong.of(getLong(key)) : OptionalLong.empty();
    }

    /** The array at {@code key}, empty when absent; a present value of another type is an error. */
    public Optional<GgufArray> optArray(String key) throws ModelFormatException {
        return metadata.containsKey(key) ? Optional.of(getArray(key)) : Optional.empty();
    }

    /** Alignment of tensor data ({@code general.alignment}, default 32). */
    public int alignment() {
        return alignment;
    }

    /** Byte offset of the data section in the file. */
    public long dataOffset() {
        return dataOffset;
    }

    /** The tensor table in file order. */
    public List<GgufTensorInfo> tensorInfos() {
        return tensorInfos;
    }

    public Optional<GgufTensorInfo> tensorInfo(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /**
     * A zero-copy view of tensor {@code name} with its row-major shape.
     *
     * @throws IllegalArgumentException when the file has no such tensor (the message lists some names)
     */
    public Tensor tensor(String name) {
        GgufTensorInfo t = byName.get(name);
        if (t == null) {
            String some = tensorInfos.stream().limit(8).map(GgufTensorInfo::name)
                    .collect(Collectors.joining(", ", "[", tensorInfos.size() > 8 ? ", …]" : "]"));
            throw new IllegalArgumentException(path + ": no tensor named \"" + name + "\"; the file has "
                    + tensorInfos.size() + " tensors: " + some);
        }
        return Tensor.wrap(segment, t.absoluteOffset(), t.dtype(), t.shape());
    }

    @Override
    public String toString() {
        return "GgufFile[" + path + " v" + version + ", " + metadata.size() + " keys, " + tensorInfos.size() + " tensors]";
    }
}
