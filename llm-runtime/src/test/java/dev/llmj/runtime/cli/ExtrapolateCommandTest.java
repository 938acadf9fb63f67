package dev.llmj.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.rope.RopeScheme;
import dev.llmj.rope.attention.KvType;
import dev.llmj.runtime.eval.TokenStream;
import dev.llmj.runtime.eval.WindowMetrics;
import dev.llmj.runtime.eval.WindowScorer;
import dev.llmj.runtime.model.Model;
import dev.llmj.testsupport.SharedAssets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExtrapolateCommandTest {
    @TempDir
    Path tmp;

    @Test
    void smallRunWritesTheThreeFilesWithValuesOfADirectWindowScorerRun() throws IOException {
        Path model = SharedAssets.require("models/tinyshakespeare/model.bin");
        Path ids = SharedAssets.require("data/tinyshakespeare-val.ids");
        Path out = tmp.resolve("lab");
        CliRunner.Result r = CliRunner.run("extrapolate", "--model", model.toString(), "--tokens", ids.toString(),
                "--train-len", "32", "--lengths", "32,64", "--span", "128", "--schemes", "rope,linear,leaky-rerope:w=16,k=4",
                "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("n=64") && r.err().contains("windows 2/2"), "progress on stderr: " + r.err());

        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertEquals("scheme,length,windows,loss,loss_last,accuracy", csv.get(0));
        assertEquals(7, csv.size(), String.join("\n", csv));
        int[] stream = TokenStream.fromIds(ids, 512).ids();
        String[][] expectedKeys = {{"rope", "32", "4"}, {"rope", "64", "2"}, {"linear", "32", "4"}, {"linear", "64", "2"},
            {"\"leaky-rerope:w=16,k=4\"", "32", "4"}, {"\"leaky-rerope:w=16,k=4\"", "64", "2"}};
        double[] losses = new double[6];
        try (Model m = Model.load(model)) {
            for (int i = 0; i < 6; i++) {
                String line = csv.get(i + 1);
                assertTrue(line.startsWith(String.join(",", expectedKeys[i]) + ","), line);
                String[] numbers = line.substring(line.lastIndexOf('"') + 1).split(",");
                int n = Integer.parseInt(expectedKeys[i][1]);
                String scheme = expectedKeys[i][0].replace("\"", "");
                WindowMetrics direct = new WindowMetrics(n, 32);
                try (WindowScorer s = new WindowScorer(m, RopeScheme.parse(scheme), n, 32)) {
                    for (int w = 0; w < 128 / n; w++) {
                        direct.add(s.score(stream, w * n));
                    }
                }
                int k = numbers.length;
                // The CSV writes doubles in round-trip form; the two runs differ only by float32 reassociation.
                assertEquals(direct.loss(), Double.parseDouble(numbers[k - 3]), PerplexityCommandTest.SAME_COMPUTATION, line);
                assertEquals(direct.lossLast(), Double.parseDouble(numbers[k - 2]), PerplexityCommandTest.SAME_COMPUTATION, line);
                assertEquals(direct.accuracy(), Double.parseDouble(numbers[k - 1]), 0.0, line);
                losses[i] = direct.loss();
            }
        }
        // --train-len is the schemes' L: linear interpolation is plain RoPE at n = L (factor 1) and not at 2L.
        assertEquals(losses[0], losses[2], PerplexityCommandTest.SAME_COMPUTATION);
        assertTrue(Math.abs(losses[1] - losses[3]) > 1e-3, "linear at n = 2L uses factor 2: " + losses[1] + " vs " + losses[3]);
        String md = Files.readString(out.resolve("results.md"));
        assertTrue(md.contains("| scheme | n = 32 (4 windows) | n = 64 (2 windows) |"), md);
        assertTrue(md.contains("| `leaky-rerope:w=16,k=4` |"), md);
        String svg = Files.readString(out.resolve("loss.svg"));
        assertTrue(svg.startsWith("<svg") && svg.strip().endsWith("</svg>"), svg);
        assertEquals(3, svg.split("<polyline").length - 1, "one line per scheme");
        assertTrue(svg.contains(">leaky-rerope:w=16,k=4<") && svg.contains("log₂"), svg);
    }

    /** --cache-type f16 scores every window with an F16 cache: the losses of a direct F16 scorer. */
    @Test
    void anF16CacheRunScoresAsAnF16WindowScorer() throws IOException {
        Path model = SharedAssets.require("models/tinyshakespeare/model.bin");
        Path ids = SharedAssets.require("data/tinyshakespeare-val.ids");
        Path out = tmp.resolve("lab16");
        CliRunner.Result r = CliRunner.run("extrapolate", "--model", model.toString(), "--tokens", ids.toString(),
                "--train-len", "32", "--lengths", "64", "--span", "128", "--schemes", "rope", "--cache-type", "f16",
                "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        String line = Files.readAllLines(out.resolve("results.csv")).get(1);
        String[] numbers = line.split(",");
        int[] stream = TokenStream.fromIds(ids, 512).ids();
        WindowMetrics direct = new WindowMetrics(64, 32);
        try (Model m = Model.load(model);
             WindowScorer s = new WindowScorer(m, RopeScheme.parse("rope"), 64, 32, KvType.F16)) {
            for (int w = 0; w < 2; w++) {
                direct.add(s.score(stream, w * 64));
            }
        }
        assertEquals(direct.loss(), Double.parseDouble(numbers[3]), PerplexityCommandTest.SAME_COMPUTATION, line);
        CliRunner.Result bad = CliRunner.run("extrapolate", "--model", model.toString(), "--tokens", ids.toString(),
                "--train-len", "32", "--lengths", "64", "--schemes", "rope", "--cache-type", "f8", "--out", out.toString());
        assertEquals(1, bad.exitCode());
        assertTrue(bad.err().contains("unknown KV cache type 'f8'"), bad.err());
    }

    @Test
    void badPlansAreUsageErrorsNamingTheProblem() throws IOException {
        String model = SharedAssets.require("models/tinyshakespeare/model.bin").toString();
        String ids = SharedAssets.require("data/tinyshakespeare-val.ids").toString();
        String out = tmp.resolve("x").toString();
        PerplexityCommandTest.expectError(2, "span 200 is not a multiple of length [128]", "extrapolate", "--model", model,
                "--tokens", ids, "--train-len", "64", "--lengths", "8,128", "--span", "200", "--schemes", "rope", "--out", out);
        PerplexityCommandTest.expectError(2, "--schemes: ", "extrapolate", "--model", model, "--tokens", ids,
                "--train-len", "64", "--lengths", "8", "--schemes", "rope,yarn:fast=x", "--out", out);
        Path shortFile = tmp.resolve("short.ids");
        Files.writeString(shortFile, "1 2 3 4 5 6 7 8 9 10");
        PerplexityCommandTest.expectError(1, "has 10 tokens, fewer than the span of 32", "extrapolate", "--model", model,
                "--tokens", shortFile.toString(), "--train-len", "4", "--lengths", "4,8", "--schemes", "rope", "--out", out);
    }
}
