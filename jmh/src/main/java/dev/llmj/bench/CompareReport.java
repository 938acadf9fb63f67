package dev.llmj.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmj.runtime.cli.Median;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The Markdown table of {@code bin/bench compare}: our {@code llm bench} against llama.cpp's
 * llama-bench on the same file and thread count, run back to back in pairs. Each pair gives one
 * ratio per measure; the table shows each side's median and the median, lowest and highest ratio
 * per (model, threads). Ratios within a pair are what this host's noise allows to compare: the
 * two runs of a pair see nearly the same machine, runs an hour apart do not.
 *
 * <p>Input: a directory of {@code NNNN-ours.json} ({@code llm bench --json}) and
 * {@code NNNN-llamacpp.json} (llama-bench {@code -o json}, one prompt test and one generation
 * test) files; the same NNNN makes a pair.
 */
public final class CompareReport {
    private CompareReport() {}

    /** One pair: both sides' prefill and decode tokens/s. */
    record Pair(String model, int threads, double oursPrefill, double oursDecode, double theirsPrefill,
            double theirsDecode) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The pairs in {@code dir}, in file-name order. */
    static List<Pair> read(Path dir) {
        List<Path> ours;
        try (Stream<Path> files = Files.list(dir)) {
            ours = files.filter(p -> p.getFileName().toString().endsWith("-ours.json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        List<Pair> pairs = new ArrayList<>();
        for (Path o : ours) {
            String name = o.getFileName().toString();
            Path theirs = o.resolveSibling(name.substring(0, name.length() - "-ours.json".length()) + "-llamacpp.json");
            JsonNode us = parse(o);
            JsonNode them = parse(theirs);
            if (!them.isArray()) {
                throw new IllegalArgumentException(theirs + ": expected llama-bench's JSON array of tests");
            }
            String model = Path.of(text(us, "model", o)).getFileName().toString();
            int threads = (int) number(us, "threads", o);
            double pp = Double.NaN;
            double tg = Double.NaN;
            int prompts = 0;
            int gens = 0;
            for (JsonNode test : them) {
                // a pair compares one file at one thread count: a mixed-up directory must not pass
                if (test.has("n_threads") && test.get("n_threads").asInt() != threads) {
                    throw new IllegalArgumentException(theirs + ": llama-bench ran " + test.get("n_threads").asInt()
                            + " threads, " + o.getFileName() + " " + threads);
                }
                if (test.has("model_filename")
                        && !Path.of(test.get("model_filename").asText()).getFileName().toString().equals(model)) {
                    throw new IllegalArgumentException(theirs + ": llama-bench ran " + test.get("model_filename").asText()
                            + ", " + o.getFileName() + " " + model);
                }
                if (test.path("n_prompt").asInt() > 0 && test.path("n_gen").asInt() == 0) {
                    pp = number(test, "avg_ts", theirs);
                    prompts++;
                } else if (test.path("n_gen").asInt() > 0 && test.path("n_prompt").asInt() == 0) {
                    tg = number(test, "avg_ts", theirs);
                    gens++;
                }
            }
            if (prompts != 1 || gens != 1) {
                throw new IllegalArgumentException(theirs + ": needs one prompt test (-p) and one generation test (-n),"
                        + " found " + prompts + " and " + gens);
            }
            pairs.add(new Pair(model, threads, number(us, "prefill_tokens_per_second", o),
                    number(us, "decode_tokens_per_second", o), pp, tg));
        }
        return pairs;
    }

    /** One row per (model, threads) in first-seen order: medians of each side and of the pairs' ratios. */
    static String table(List<Pair> pairs) {
        Map<String, List<Pair>> rows = new LinkedHashMap<>();
        for (Pair p : pairs) {
            rows.computeIfAbsent(p.model() + " t=" + p.threads(), key -> new ArrayList<>()).add(p);
        }
        StringBuilder out = new StringBuilder();
        out.append("| model | threads | pairs | prefill ours | llama.cpp | ratio (lowest–highest) |"
                + " decode ours | llama.cpp | ratio (lowest–highest) |\n");
        out.append("|---|---|---|---|---|---|---|---|---|\n");
        for (List<Pair> row : rows.values()) {
            Pair first = row.get(0);
            double[] pu = row.stream().mapToDouble(Pair::oursPrefill).toArray();
            double[] pt = row.stream().mapToDouble(Pair::theirsPrefill).toArray();
            double[] du = row.stream().mapToDouble(Pair::oursDecode).toArray();
            double[] dt = row.stream().mapToDouble(Pair::theirsDecode).toArray();
            double[] pr = row.stream().mapToDouble(p -> p.oursPrefill() / p.theirsPrefill()).toArray();
            double[] dr = row.stream().mapToDouble(p -> p.oursDecode() / p.theirsDecode()).toArray();
            out.append(String.format(Locale.ROOT, "| %s | %d | %d | %.1f | %.1f | %s | %.1f | %.1f | %s |\n",
                    first.model(), first.threads(), row.size(), Median.of(pu), Median.of(pt), ratios(pr), Median.of(du),
                    Median.of(dt), ratios(dr)));
        }
        return out.toString();
    }

    /** "1.02× (0.97–1.10)": the median ratio and the range over the pairs. */
    static String ratios(double[] r) {
        double lo = Arrays.stream(r).min().orElseThrow();
        double hi = Arrays.stream(r).max().orElseThrow();
        return String.format(Locale.ROOT, "%.2f× (%.2f–%.2f)", Median.of(r), lo, hi);
    }

    private static JsonNode parse(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": missing (each NNNN-ours.json needs its NNNN-llamacpp.json)");
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not JSON (" + e.getMessage() + ")", e);
        }
    }

    private static double number(JsonNode node, String field, Path file) {
        JsonNode v = node.get(field);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException(file + ": no number \"" + field + "\"");
        }
        return v.asDouble();
    }

    private static String text(JsonNode node, String field, Path file) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException(file + ": no text \"" + field + "\"");
        }
        return v.asText();
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: CompareReport <directory of NNNN-ours.json and NNNN-llamacpp.json>");
            System.exit(2);
        }
        try {
            List<Pair> pairs = read(Path.of(args[0]));
            if (pairs.isEmpty()) {
                System.err.println("CompareReport: no NNNN-ours.json in " + args[0]);
                System.exit(1);
            }
            System.out.print(table(pairs));
        } catch (IllegalArgumentException | UncheckedIOException e) {
            System.err.println("CompareReport: " + e.getMessage());
            System.exit(1);
        }
    }
}
