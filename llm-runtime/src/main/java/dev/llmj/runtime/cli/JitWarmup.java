package dev.llmj.runtime.cli;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * The unmeasured runs {@code llm bench} makes first: a fixed count, or "auto", which runs until
 * one in which the JIT compiled for at most {@link #IDLE_FRACTION} of the run's wall time (at
 * least one run, at most {@link #MAX_RUNS}).
 *
 * <p>Why not one run: with two threads, C2 compiling the kernels takes a core from the run, and
 * after a single warm-up run it was still compiling into the measured ones (110m F32, two
 * threads, the same hour: decode 57 tok/s median after one warm-up run, 65–67 after three).
 */
final class JitWarmup {
    static final int MAX_RUNS = 10;
    /** Compilation time, as a share of a run's wall time, below which the JIT counts as idle. */
    static final double IDLE_FRACTION = 0.02;

    /** Runs to make, or −1 for auto. */
    private final int fixed;

    private JitWarmup(int fixed) {
        this.fixed = fixed;
    }

    /** "auto" or a count ≥ 0. */
    static JitWarmup parse(String value) {
        if (value.equals("auto")) {
            return new JitWarmup(-1);
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= 0) {
                return new JitWarmup(n);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--warmup must be a count ≥ 0 or auto, got '" + value + "'");
    }

    /** Runs {@code once} as often as this warm-up says; returns how many runs it made. */
    int run(Runnable once, String what) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean timed = jit != null && jit.isCompilationTimeMonitoringSupported();
        int limit = fixed >= 0 ? fixed : MAX_RUNS;
        for (int n = 1; n <= limit; n++) {
            System.err.printf("llm bench: %swarm-up run %d%s%n", what, n, fixed >= 0 ? "/" + fixed : "");
            long compiled0 = timed ? jit.getTotalCompilationTime() : 0;
            long t0 = System.nanoTime();
            once.run();
            double wallMs = (System.nanoTime() - t0) / 1e6;
            long compiledMs = timed ? jit.getTotalCompilationTime() - compiled0 : 0;
            if (fixed < 0 && compiledMs <= IDLE_FRACTION * wallMs) {
                return n;
            }
        }
        return limit;
    }
}
