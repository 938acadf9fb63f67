package dev.llmj.runtime.convert;

import dev.llmj.tensor.DType;
import dev.llmj.tensor.Tensor;
import dev.llmj.tensor.gguf.GgufFile;
import dev.llmj.tensor.gguf.GgufTensorInfo;
import dev.llmj.tensor.gguf.GgufValue;
import dev.llmj.tensor.gguf.GgufWriter;
import dev.llmj.tensor.quant.Codecs;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Writes a GGUF file whose tensors are converted one at a time, so a model never has to exist
 * twice in memory.
 *
 * <p>{@link GgufWriter} reads every tensor's bytes during one {@code write} call, which would need
 * all converted tensors alive at once. Instead this class works in two passes over a temporary
 * file beside the output:
 * <ol>
 *   <li>{@link GgufWriter} writes the header, metadata and tensor table; tensors kept in their
 *       source dtype are copied straight from their (mapped) source views, tensors that change
 *       dtype are written as zeros from one shared placeholder the size of the largest of them;</li>
 *   <li>the file is re-read with {@link GgufFile} for the data offsets (which also validates what
 *       was written), then each converted tensor is produced in its own confined arena and
 *       written over its placeholder zeros; the arena is closed before the next tensor.</li>
 * </ol>
 * The temporary file replaces {@code output} only when everything succeeded.
 */
public final class StreamingGgufWriter {
    private static final long WRITE_CHUNK = 1L << 26;

    /**
     * A tensor to write: {@code direct} bytes copied as they are, or bytes that {@code producer}
     * makes in a given arena (a dtype conversion, or generated data) just before they are written.
     */
    private record Entry(String name, long[] shape, DType sourceType, DType target, Tensor direct,
                         Function<Arena, Tensor> producer) {
        boolean produced() {
            return producer != null;
        }
    }

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<Entry> entries = new ArrayList<>();
    private int alignment = 32;

    /** Adds a metadata pair (written in insertion order). */
    public StreamingGgufWriter put(String key, GgufValue value) {
        if (metadata.putIfAbsent(Objects.requireNonNull(key), Objects.requireNonNull(value)) != null) {
            throw new IllegalArgumentException("duplicate metadata key \"" + key + "\"");
        }
        return this;
    }

    /** Data alignment (a power of two; see {@link GgufWriter#alignment}). */
    public StreamingGgufWriter alignment(int alignment) {
        this.alignment = alignment;
        return this;
    }

    /**
     * Adds tensor {@code name}, written as {@code target}. {@code source} must stay readable until
     * {@link #write} returns (a view of a mapped input file).
     *
     * @throws IllegalArgumentException when the conversion is not possible (naming the tensor)
     */
    public StreamingGgufWriter addTensor(String name, Tensor source, DType target) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        if (!source.isContiguous()) {
            throw new IllegalArgumentException("tensor \"" + name + "\" is not contiguous: " + source);
        }
        if (source.dtype() != target) {
            if (!source.dtype().isDecodable() || !target.isDecodable()) {
                throw new IllegalArgumentException("tensor \"" + name + "\": cannot convert " + source.dtype()
                        + " to " + target + " (this library decodes only F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K)");
            }
            long cols = source.cols();
            if (cols % target.blockSize() != 0) {
                throw new IllegalArgumentException("tensor \"" + name + "\": rows of " + cols
                        + " elements are not whole " + target + " blocks of " + target.blockSize());
            }
        }
        entries.add(source.dtype() == target
                ? new Entry(name, source.shape(), target, target, source, null)
                : new Entry(name, source.shape(), source.dtype(), target, null, arena -> Codecs.convert(source, target, arena)));
        return this;
    }

    /**
     * Adds tensor {@code name} of {@code target} dtype and row-major {@code shape} whose data
     * {@code producer} creates in the arena it is given, one tensor at a time during {@link #write};
     * the arena is closed right after the bytes are written.
     */
    public StreamingGgufWriter addProduced(String name, DType target, long[] shape, Function<Arena, Tensor> producer) {
        Objects.requireNonNull(producer, "producer");
        target.byteSize(java.util.Arrays.stream(shape).reduce(1, Math::multiplyExact)); // whole blocks, no overflow
        entries.add(new Entry(name, shape.clone(), target, target, null, producer));
        return this;
    }

    /** Writes everything to {@code output}, replacing it; reports each tensor to {@code progress}. */
    public void write(Path output, ConvertProgress progress) throws IOException {
        Path abs = output.toAbsolutePath();
        Path dir = abs.getParent();
        // Not Files.createTempFile: that makes the file owner-only (0600); this one gets the
        // usual permissions of a new file.
        Path tmp = dir.resolve("." + abs.getFileName() + ".part");
        Files.deleteIfExists(tmp);
        boolean done = false;
        try {
            writeSkeleton(tmp);
            fillConverted(tmp, progress);
            try {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Pass 1: header, metadata, tensor table, unchanged tensors, zeros for the converted ones. */
    private void writeSkeleton(Path tmp) throws IOException {
        long placeholderBytes = 0;
        for (Entry e : entries) {
            if (e.produced()) {
                long n = java.util.Arrays.stream(e.shape()).reduce(1, Math::multiplyExact);
                placeholderBytes = Math.max(placeholderBytes, e.target().byteSize(n));
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment zeros = arena.allocate(Math.max(placeholderBytes, 1), Tensor.ALIGNMENT);
            GgufWriter w = new GgufWriter().alignment(alignment);
            metadata.forEach(w::put);
            for (Entry e : entries) {
                w.addTensor(e.name(), e.produced() ? Tensor.wrap(zeros, 0, e.target(), e.shape()) : e.direct());
            }
            w.write(tmp);
        }
    }

    /** Pass 2: each converted tensor in its own confined arena, written at its data offset. */
    private void fillConverted(Path tmp, ConvertProgress progress) throws IOException {
        Map<String, GgufTensorInfo> infos = new HashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            for (GgufTensorInfo t : GgufFile.open(tmp, arena).tensorInfos()) {
                infos.put(t.name(), t);
            }
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            for (int i = 0; i < entries.size(); i++) {
                Entry e = entries.get(i);
                if (e.produced()) {
                    GgufTensorInfo info = infos.get(e.name());
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor made = e.producer().apply(arena);
                        if (made.dtype() != e.target() || !java.util.Arrays.equals(made.shape(), e.shape())) {
                            throw new IllegalStateException("tensor " + e.name() + " was produced as " + made
                                    + ", expected " + e.target() + " " + java.util.Arrays.toString(e.shape()));
                        }
                        MemorySegment bytes = made.segment();
                        if (info == null || info.dtype() != e.target() || info.byteSize() != bytes.byteSize()) {
                            throw new IllegalStateException("tensor table entry " + info + " does not match converted "
                                    + e.name() + " (" + bytes.byteSize() + " bytes of " + e.target() + ")");
                        }
                        writeAt(ch, bytes, info.absoluteOffset());
                    }
                }
                progress.tensorWritten(i, entries.size(), e.name(), e.shape(), e.sourceType(), e.target());
            }
        }
    }

    private static void writeAt(FileChannel ch, MemorySegment bytes, long position) throws IOException {
        for (long p = 0; p < bytes.byteSize(); p += WRITE_CHUNK) {
            ByteBuffer b = bytes.asSlice(p, Math.min(WRITE_CHUNK, bytes.byteSize() - p)).asByteBuffer();
            long at = position + p;
            while (b.hasRemaining()) {
                at += ch.write(b, at);
            }
        }
    }
}
