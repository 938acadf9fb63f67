package dev.llmj.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * OpenBLAS's {@code cblas_sgemm} and {@code openblas_set_num_threads} through the FFM API, found by
 * the usual Debian sonames. Used only as the benchmark baseline.
 */
public final class OpenBlas {
    /** CBLAS enum values (cblas.h). */
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;

    static final String[] SONAMES = {
        "libopenblas.so.0", "libopenblas.so", "libopenblasp.so.0",
        "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
        "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
    };

    private final MethodHandle sgemm;
    private final MethodHandle setThreads;

    private OpenBlas(SymbolLookup lib) {
        Linker linker = Linker.nativeLinker();
        ValueLayout.OfInt i = ValueLayout.JAVA_INT;
        ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT;
        ValueLayout p = ValueLayout.ADDRESS;
        sgemm = linker.downcallHandle(lib.find("cblas_sgemm").orElseThrow(),
                FunctionDescriptor.ofVoid(i, i, i, i, i, i, f, p, i, p, i, f, p, i));
        setThreads = linker.downcallHandle(lib.find("openblas_set_num_threads").orElseThrow(),
                FunctionDescriptor.ofVoid(i));
    }

    /** OpenBLAS when one of the usual sonames loads, else empty. */
    public static Optional<OpenBlas> load() {
        for (String name : SONAMES) {
            try {
                SymbolLookup lib = SymbolLookup.libraryLookup(name, Arena.global());
                if (lib.find("cblas_sgemm").isPresent() && lib.find("openblas_set_num_threads").isPresent()) {
                    return Optional.of(new OpenBlas(lib));
                }
            } catch (IllegalArgumentException notFound) {
                // try the next soname
            }
        }
        return Optional.empty();
    }

    public void setThreads(int n) {
        try {
            setThreads.invokeExact(n);
        } catch (Throwable t) {
            throw new IllegalStateException("openblas_set_num_threads failed", t);
        }
    }

    /** C = A · Bᵀ, row-major F32: A [m, k], B [n, k], C [m, n]; segments must be native. */
    public void sgemmABt(int m, int n, int k, MemorySegment a, MemorySegment b, MemorySegment c) {
        try {
            sgemm.invokeExact(ROW_MAJOR, NO_TRANS, TRANS, m, n, k, 1f, a, k, b, k, 0f, c, n);
        } catch (Throwable t) {
            throw new IllegalStateException("cblas_sgemm failed", t);
        }
    }
}
