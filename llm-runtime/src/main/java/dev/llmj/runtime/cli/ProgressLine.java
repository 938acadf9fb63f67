package dev.llmj.runtime.cli;

import java.io.PrintWriter;

/**
 * Progress of long work on stderr: rewritten in place ({@code \r}) on a terminal, otherwise a new
 * line at most every {@value #LOG_INTERVAL_MS} ms so that logs stay short. {@link #finish} always
 * prints the final state.
 */
final class ProgressLine {
    private static final long TERMINAL_INTERVAL_MS = 200, LOG_INTERVAL_MS = 15_000;

    private final PrintWriter err;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private long lastPrint = Long.MIN_VALUE;
    private int lastWidth;

    ProgressLine(PrintWriter err) {
        this.err = err;
        java.io.Console console = System.console();
        this.terminal = console != null && console.isTerminal();
    }

    double elapsedSeconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    /** Shows {@code text} unless the last update was too recent. */
    void update(String text) {
        long now = System.nanoTime() / 1_000_000;
        if (lastPrint != Long.MIN_VALUE && now - lastPrint < (terminal ? TERMINAL_INTERVAL_MS : LOG_INTERVAL_MS)) {
            return;
        }
        lastPrint = now;
        print(text);
    }

    void finish(String text) {
        print(text);
        if (terminal) {
            err.println();
        }
        err.flush();
    }

    private void print(String text) {
        if (terminal) {
            err.print("\r" + text + " ".repeat(Math.max(0, lastWidth - text.length())));
            lastWidth = text.length();
        } else {
            err.println(text);
        }
        err.flush();
    }

    /** "1h02m", "3m05s", "12s". */
    static String duration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return "?";
        }
        long s = Math.round(seconds);
        if (s >= 3600) {
            return String.format("%dh%02dm", s / 3600, s % 3600 / 60);
        }
        return s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }

    /** A 20-cell bar for a fraction in [0, 1]. */
    static String bar(double fraction) {
        int full = (int) Math.round(Math.clamp(fraction, 0, 1) * 20);
        return "[" + "#".repeat(full) + "-".repeat(20 - full) + "]";
    }
}
