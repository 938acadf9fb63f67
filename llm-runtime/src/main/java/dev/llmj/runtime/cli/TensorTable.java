package dev.llmj.runtime.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** The tensor table {@code inspect} prints: one aligned row per tensor, totals at the end. */
final class TensorTable {
    private record Row(String name, String dtype, String shape, long offset, long bytes, long elements) {}

    private final List<Row> rows = new ArrayList<>();

    void add(String name, String dtype, long[] shape, long offset, long bytes) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        rows.add(new Row(name, dtype, InspectCommand.shape(shape), offset, bytes, n));
    }

    void print(PrintStream out) {
        int w = "name".length();
        int s = "shape (row-major)".length();
        for (Row r : rows) {
            w = Math.max(w, r.name.length());
            s = Math.max(s, r.shape.length());
        }
        String fmt = "  %-" + w + "s  %-6s  %-" + s + "s  %14s  %12s%n";
        out.println("tensors: " + rows.size());
        out.printf(fmt, "name", "dtype", "shape (row-major)", "byte offset", "bytes");
        long params = 0;
        long bytes = 0;
        for (Row r : rows) {
            out.printf(fmt, r.name, r.dtype, r.shape, r.offset, r.bytes);
            params += r.elements;
            bytes += r.bytes;
        }
        out.printf("total: %,d parameters, %,d bytes%n", params, bytes);
    }
}
