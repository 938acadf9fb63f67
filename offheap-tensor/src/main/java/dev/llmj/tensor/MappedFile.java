package dev.llmj.tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/** Read-only memory maps of model files. */
public final class MappedFile {
    private MappedFile() {}

    /** A live mapping made by {@link #readOnly}: its address range and the scope that owns it. */
    private record Mapping(long address, long size, MemorySegment.Scope scope) {}

    private static final List<Mapping> MAPPINGS = new CopyOnWriteArrayList<>();
    /** Linux's MADV_DONTNEED: drop the pages from this process (a file mapping re-reads them on access). */
    private static final int MADV_DONTNEED = 4;
    private static final long PAGE = 4096;

    /**
     * Maps all of {@code file} read-only into {@code arena}, which owns the mapping: closing the
     * arena unmaps it, and any later access throws {@link IllegalStateException}.
     *
     * <p>The mapping is returned as a plain native segment ({@code reinterpret} to its own size:
     * same address, scope and read-only flag). Why: every {@code MemorySegment} and vector access
     * compiles through JDK code whose type profile is shared by all callers. Model weights as the
     * JDK's mapped-segment class next to the native scratch and cache segments gave that code two
     * receiver classes, and the attention kernels ran 30 % slower once a model had run (the same
     * kernels with only native segments in the process: no slowdown). The mapping is remembered
     * (address range and scope) so that {@link #release} can tell it from other native memory.
     */
    public static MemorySegment readOnly(Path file, Arena arena) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            MemorySegment plain = mapped.reinterpret(mapped.byteSize());
            MAPPINGS.removeIf(m -> !m.scope().isAlive());
            MAPPINGS.add(new Mapping(plain.address(), plain.byteSize(), plain.scope()));
            return plain;
        }
    }

    /**
     * Hands the pages wholly inside {@code region} back to the OS when the region lies in a mapping
     * {@link #readOnly} made whose arena is still open: the process's resident memory drops by
     * them, and a later read pages them in again from the file (usually still in the page cache),
     * with the same bytes. Any other memory (an arena's allocation, a closed mapping, a heap
     * segment) is left alone: dropping anonymous pages would zero them. Does nothing off Linux.
     *
     * @return the bytes released (0 when nothing was)
     */
    public static long release(MemorySegment region) {
        if (!region.isNative() || Madvise.HANDLE == null) {
            return 0;
        }
        long start = region.address();
        long end = start + region.byteSize();
        for (Mapping m : MAPPINGS) {
            if (m.scope().isAlive() && m.scope().equals(region.scope())
                    && start >= m.address() && end <= m.address() + m.size()) {
                long from = (start + PAGE - 1) & -PAGE;
                long to = end & -PAGE;
                if (to <= from) {
                    return 0;
                }
                try {
                    int rc = (int) Madvise.HANDLE.invokeExact(MemorySegment.ofAddress(from), to - from, MADV_DONTNEED);
                    return rc == 0 ? to - from : 0;
                } catch (Throwable e) {
                    return 0;   // only a hint: the pages stay resident
                }
            }
        }
        return 0;
    }

    /** {@code int madvise(void*, size_t, int)}, bound on first use; null off Linux. */
    private static final class Madvise {
        static final MethodHandle HANDLE = bind();

        private static MethodHandle bind() {
            if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
                return null;
            }
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("madvise")
                    .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(ValueLayout.JAVA_INT,
                            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT)))
                    .orElse(null);
        }
    }
}
