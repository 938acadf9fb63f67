package dev.llmj.bench;

import dev.llmj.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a JMH CSV result file ({@code -rf csv}) of the kernel suite into Markdown tables: GEMM in
 * GFLOPS with ours/OpenBLAS, GEMV in GB/s of weight bytes with vector/scalar and the share of the
 * read-bandwidth baseline, and every other kernel as time per call with vector/scalar.
 */
public final class BenchReport {
    private BenchReport() {}

    /** One result row: benchmark method, params, score and its unit. */
    record Row(String method, Map<String, String> params, double score, String unit) {
        String p(String name) {
            return params.getOrDefault(name, "");
        }

        /** Score in nanoseconds per operation. */
        double nanos() {
            return switch (unit) {
                case "ns/op" -> score;
                case "us/op" -> score * 1e3;
                case "ms/op" -> score * 1e6;
                case "s/op" -> score * 1e9;
                default -> throw new IllegalArgumentException("unit " + unit + " (run with -bm avgt)");
            };
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: BenchReport <jmh-results.csv>");
            System.exit(2);
        }
        List<Row> rows = parse(Files.readAllLines(Path.of(args[0])));
        StringBuilder md = new StringBuilder();
        gemm(rows, md);
        gemv(rows, md);
        kernels(rows, md);
        System.out.print(md);
    }

    static List<Row> parse(List<String> lines) {
        List<Row> out = new ArrayList<>();
        if (lines.isEmpty()) {
            return out;
        }
        List<String> header = split(lines.get(0));
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            List<String> f = split(line);
            Map<String, String> params = new HashMap<>();
            for (int i = 0; i < header.size() && i < f.size(); i++) {
                if (header.get(i).startsWith("Param: ")) {
                    params.put(header.get(i).substring(7), f.get(i));
                }
            }
            String bench = f.get(header.indexOf("Benchmark"));
            out.add(new Row(bench.substring(bench.lastIndexOf('.', bench.lastIndexOf('.') - 1) + 1), params,
                    Double.parseDouble(f.get(header.indexOf("Score"))), f.get(header.indexOf("Unit"))));
        }
        return out;
    }

    private static List<String> split(String line) {
        List<String> f = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (char ch : line.toCharArray()) {
            if (ch == '"') {
                quoted = !quoted;
            } else if (ch == ',' && !quoted) {
                f.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        f.add(cur.toString());
        return f;
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
    }

    private static String ratio(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.2f×", v);
    }

    private static void gemm(List<Row> rows, StringBuilder md) {
        Map<String, double[]> byShape = new LinkedHashMap<>(); // [ours ns, openblas ns, flops]
        for (Row r : rows) {
            if (!r.method().startsWith("GemmBenchmark.")) {
                continue;
            }
            int m = Integer.parseInt(r.p("m"));
            int n = Integer.parseInt(r.p("n"));
            int k = Integer.parseInt(r.p("k"));
            String threads = "0".equals(r.p("threads")) ? "all" : r.p("threads");
            String key = m + " | " + n + " | " + k + " | " + threads;
            double[] v = byShape.computeIfAbsent(key, x -> new double[] {Double.NaN, Double.NaN, 2.0 * m * n * k});
            v[r.method().endsWith(".ours") ? 0 : 1] = r.nanos();
        }
        if (byShape.isEmpty()) {
            return;
        }
        md.append("### F32 GEMM, C = A·Bᵀ (GFLOPS)\n\n");
        md.append("| M | N | K | threads | ours | OpenBLAS | ours / OpenBLAS |\n|---|---|---|---|---|---|---|\n");
        byShape.forEach((key, v) -> md.append("| ").append(key).append(" | ").append(fmt(v[2] / v[0]))
                .append(" | ").append(fmt(v[2] / v[1])).append(" | ").append(ratio(v[1] / v[0])).append(" |\n"));
        md.append('\n');
    }

    private static void gemv(List<Row> rows, StringBuilder md) {
        double bandwidth = Double.NaN;
        for (Row r : rows) {
            if (r.method().equals("ReadBandwidthBenchmark.sum")) {
                bandwidth = GemvBenchmark.TARGET_BYTES / r.nanos();
            }
        }
        Map<String, double[]> byType = new LinkedHashMap<>(); // [scalar GB/s, vector GB/s]
        for (Row r : rows) {
            if (!r.method().equals("GemvBenchmark.gemv")) {
                continue;
            }
            DType t = GemvBenchmark.dtypeOf(r.p("dtype"));
            int cols = Integer.parseInt(r.p("cols"));
            double bytes = (double) GemvBenchmark.rows(t, cols) * t.byteSize(cols);
            String label = r.p("dtype").endsWith(GemvBenchmark.SUFFIX) ? t.name() + " interleaved (Q8_0 activations)" : t.name();
            double[] v = byType.computeIfAbsent(label, x -> new double[] {Double.NaN, Double.NaN});
            v["scalar".equals(r.p("impl")) ? 0 : 1] = bytes / r.nanos();
        }
        if (byType.isEmpty() && Double.isNaN(bandwidth)) {
            return;
        }
        md.append("### GEMV, one thread, 48 MiB of weights (GB/s of weight bytes)\n\n");
        md.append("Read-bandwidth baseline (vector sum over 48 MiB): ").append(fmt(bandwidth)).append(" GB/s\n\n");
        md.append("| dtype | scalar | vector | vector / scalar | vector / read bandwidth |\n|---|---|---|---|---|\n");
        final double bw = bandwidth;
        byType.forEach((t, v) -> md.append("| ").append(t).append(" | ").append(fmt(v[0])).append(" | ")
                .append(fmt(v[1])).append(" | ").append(ratio(v[1] / v[0])).append(" | ")
                .append(Double.isNaN(bw) ? "n/a" : String.format(Locale.ROOT, "%.0f%%", 100 * v[1] / bw)).append(" |\n"));
        md.append('\n');
    }

    private static void kernels(List<Row> rows, StringBuilder md) {
        Map<String, double[]> byOp = new LinkedHashMap<>(); // [scalar ns, vector ns, n]
        for (Row r : rows) {
            if (!r.method().startsWith("KernelBenchmark.")) {
                continue;
            }
            String op = r.method().substring("KernelBenchmark.".length());
            double[] v = byOp.computeIfAbsent(op, x -> new double[] {Double.NaN, Double.NaN, Integer.parseInt(r.p("n"))});
            v["scalar".equals(r.p("impl")) ? 0 : 1] = r.nanos();
        }
        if (byOp.isEmpty()) {
            return;
        }
        md.append("### Kernels, one thread (ns per call; n = 4099, quantized/half dots n = 3840)\n\n");
        md.append("| kernel | scalar ns | vector ns | vector / scalar | vector GFLOPS |\n|---|---|---|---|---|\n");
        byOp.forEach((op, v) -> {
            double n = op.startsWith("dot") && !op.equals("dotF32") ? Math.floor(v[2] / 256) * 256 : v[2];
            String gflops = op.startsWith("dot") ? fmt(2 * n / v[1]) : op.equals("cosine") ? fmt(6 * n / v[1]) : "";
            md.append("| ").append(op).append(" | ").append(fmt(v[0])).append(" | ").append(fmt(v[1])).append(" | ")
                    .append(ratio(v[0] / v[1])).append(" | ").append(gflops).append(" |\n");
        });
        md.append('\n');
    }
}
