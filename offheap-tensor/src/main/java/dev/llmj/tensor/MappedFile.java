package dev.llmj.tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Read-only memory maps of model files. */
public final class MappedFile {
    private MappedFile() {}

    /**
     * Maps all of {@code file} read-only into {@code arena}, which owns the mapping: closing the
     * arena unmaps it, and any later access throws {@link IllegalStateException}.
     *
     * <p>The mapping is returned as a plain native segment ({@code reinterpret} to its own size:
     * same address, scope and read-only flag). Why: every {@code MemorySegment} and vector access
     * compiles through JDK code whose type profile is shared by all callers. Model weights as the
     * JDK's mapped-segment class next to the native scratch and cache segments gave that code two
     * receiver classes, and the attention kernels ran 30 % slower once a model had run (the same
     * kernels with only native segments in the process: no slowdown).
     */
    public static MemorySegment readOnly(Path file, Arena arena) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return mapped.reinterpret(mapped.byteSize());
        }
    }
}
