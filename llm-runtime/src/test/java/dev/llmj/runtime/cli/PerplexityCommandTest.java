package dev.llmj.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmj.rope.RopeScheme;
import dev.llmj.runtime.eval.TokenStream;
import dev.llmj.runtime.eval.WindowMetrics;
import dev.llmj.runtime.eval.WindowScorer;
import dev.llmj.runtime.model.Model;
import dev.llmj.testsupport.SharedAssets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PerplexityCommandTest {
    /** Tolerance between two runs of the same computation (see its use). */
    static final double SAME_COMPUTATION = 1e-6;

    @TempDir
    Path tmp;

    private Path model;
    private int[] val;

    @BeforeEach
    void assets() throws IOException {
        model = SharedAssets.require("models/tinyshakespeare/model.bin");
        val = TokenStream.fromIds(SharedAssets.require("data/tinyshakespeare-val.ids"), 512).ids();
    }

    private Path idsFile(int count) throws IOException {
        Path f = tmp.resolve("slice-" + count + ".ids");
        Files.writeString(f, Arrays.stream(val, 0, count).mapToObj(Integer::toString).collect(Collectors.joining(" ")) + "\n");
        return f;
    }

    @Test
    void jsonOfOne256WindowEqualsTheWindowScorerAndDropsTheRest() throws IOException {
        CliRunner.Result r = CliRunner.run("perplexity", "--model", model.toString(), "--tokens", idsFile(300).toString(),
                "--ctx", "256", "--json", "--rope", "rope");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(1, j.get("windows").asInt());
        assertEquals(300, j.get("tokens_total").asInt());
        assertEquals(256, j.get("tokens_scored").asInt());
        assertEquals(44, j.get("tokens_dropped").asInt());
        assertEquals(255, j.get("predicted_tokens").asInt());
        assertEquals("rope", j.get("rope").asText());
        assertFalse(j.has("per_position_nll"));
        WindowMetrics direct = new WindowMetrics(256, 256);
        try (Model m = Model.load(model); WindowScorer s = new WindowScorer(m, RopeScheme.parse("rope"), 256)) {
            direct.add(s.score(val, 0));
        }
        // Same code path, but the kernel pool hands out GEMM tasks dynamically, so float32 sums may be
        // reassociated between runs (observed: 3e-8). 1e-6 is far above that and far below any real
        // difference (a wrong position or off-by-one window changes the mean by > 1e-3).
        assertEquals(direct.loss(), j.get("mean_nll").asDouble(), SAME_COMPUTATION);
        assertEquals(Math.exp(direct.loss()), j.get("perplexity").asDouble(), 3 * SAME_COMPUTATION * Math.exp(direct.loss()));
        assertEquals(direct.accuracy(), j.get("accuracy").asDouble(), 0.0);
        assertTrue(r.err().contains("windows 1/1"), "progress on stderr: " + r.err());
    }

    @Test
    void perPositionGivesCtxMinusOneMeansAveragingToTheLoss() throws IOException {
        CliRunner.Result r = CliRunner.run("perplexity", "--model", model.toString(), "--tokens", idsFile(100).toString(),
                "--ctx", "32", "--max-windows", "2", "--per-position", "--json", "--rope", "rerope:w=8");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(2, j.get("windows").asInt());
        assertEquals(31, j.get("per_position_nll").size());
        double mean = 0;
        for (JsonNode v : j.get("per_position_nll")) {
            mean += v.asDouble() / 31;
        }
        assertEquals(j.get("mean_nll").asDouble(), mean, 1e-12, "every window has 31 predictions, so the means agree");
        assertEquals("rerope:w=8", j.get("rope").asText());
    }

    @Test
    void textInputIsTokenizedWithoutBosAndTheTextReportNamesTheDroppedTail() throws IOException {
        String text = "ROMEO:\nWhat say you, my lord? I will not stay.\n";
        Path f = tmp.resolve("t.txt");
        Files.writeString(f, text);
        int expected;
        try (Model m = Model.load(model)) {
            expected = m.tokenizer().encode(text, false).length;
        }
        CliRunner.Result r = CliRunner.run("perplexity", "--model", model.toString(), "--text", f.toString(), "--ctx", "5");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains((expected / 5) * 5 + " of " + expected + " tokens scored"), r.out());
        if (expected % 5 != 0) {
            assertTrue(r.out().contains("dropped the trailing partial window of " + expected % 5 + " tokens"), r.out());
        }
        assertTrue(r.out().contains("perplexity "), r.out());
    }

    @Test
    void textLoaderGivesExactlyTheSharedValidationIds() throws IOException {
        // ../shared/data/README.md: SentencePiece encoding of the val text (dummy prefix, no BOS) is the val ids.
        try (Model m = Model.load(model)) {
            int[] fromText = TokenStream.fromText(SharedAssets.require("data/tinyshakespeare-val.txt"), m.tokenizer()).ids();
            org.junit.jupiter.api.Assertions.assertArrayEquals(val, fromText);
        }
    }

    @Test
    void badInputGivesOneLineErrors() throws IOException {
        String m = model.toString();
        expectError(2, "--ctx must be ≥ 2", "perplexity", "--model", m, "--tokens", idsFile(10).toString(), "--ctx", "0");
        expectError(2, "--text FILE or --tokens FILE", "perplexity", "--model", m, "--ctx", "8");
        expectError(1, "no such file", "perplexity", "--model", m, "--tokens", tmp.resolve("missing.ids").toString(), "--ctx", "8");
        Path bad = tmp.resolve("bad.ids");
        Files.writeString(bad, "5 6 seven 8");
        expectError(1, "token 2 is 'seven'", "perplexity", "--model", m, "--tokens", bad.toString(), "--ctx", "2");
        Files.writeString(bad, "5 512 8");
        expectError(1, "token 1 is 512, outside the model's vocabulary 0..511", "perplexity", "--model", m, "--tokens",
                bad.toString(), "--ctx", "2");
        Files.writeString(bad, " \n ");
        expectError(1, "is empty", "perplexity", "--model", m, "--tokens", bad.toString(), "--ctx", "2");
        expectError(1, "has 10 tokens, fewer than one window of --ctx 16", "perplexity", "--model", m, "--tokens",
                idsFile(10).toString(), "--ctx", "16");
        expectError(1, "unknown name 'nope'", "perplexity", "--model", m, "--tokens", idsFile(10).toString(), "--ctx", "4",
                "--rope", "nope");
    }

    static void expectError(int code, String message, String... args) {
        CliRunner.Result r = CliRunner.run(args);
        assertEquals(code, r.exitCode(), String.join(" ", args) + "\n" + r.err());
        String first = r.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("llm " + args[0] + ": ") && first.contains(message),
                "expected one line with '" + message + "', got:\n" + r.err());
        // Usage errors add picocli's "Try 'llm … --help'" hint; failures are exactly one line.
        assertEquals(code == 2 ? 2 : 1, r.err().lines().count(), r.err());
    }
}
