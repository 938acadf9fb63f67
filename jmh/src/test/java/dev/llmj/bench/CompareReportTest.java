package dev.llmj.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompareReportTest {
    @TempDir
    Path dir;

    private void pair(int seq, String model, int threads, double pp, double tg, double theirPp, double theirTg)
            throws IOException {
        Files.writeString(dir.resolve(String.format("%04d-ours.json", seq)), String.format(java.util.Locale.ROOT,
                "{\"model\":\"/models/%s\",\"threads\":%d,\"prefill_tokens_per_second\":%f,"
                        + "\"decode_tokens_per_second\":%f}", model, threads, pp, tg));
        Files.writeString(dir.resolve(String.format("%04d-llamacpp.json", seq)), String.format(java.util.Locale.ROOT,
                "[{\"n_prompt\":128,\"n_gen\":0,\"n_threads\":%d,\"model_filename\":\"/m/%s\",\"avg_ts\":%f},"
                        + "{\"n_prompt\":0,\"n_gen\":64,\"n_threads\":%d,\"avg_ts\":%f}]", threads, model, theirPp,
                threads, theirTg));
    }

    @Test
    void pairsAreReadInOrderAndGroupedByModelAndThreads() throws IOException {
        pair(1, "a.gguf", 1, 500, 200, 600, 180);
        pair(2, "a.gguf", 2, 1000, 300, 1000, 330);
        pair(3, "a.gguf", 1, 560, 210, 560, 200);
        pair(4, "a.gguf", 1, 540, 190, 600, 200);
        List<CompareReport.Pair> pairs = CompareReport.read(dir);
        assertEquals(4, pairs.size());
        assertEquals(new CompareReport.Pair("a.gguf", 1, 500, 200, 600, 180), pairs.get(0));
        String table = CompareReport.table(pairs);
        String[] lines = table.split("\n");
        assertEquals(4, lines.length, table);   // header, rule, one row per thread count
        // one thread: prefill ratios 0.833, 1.0, 0.9 -> median 0.90; decode 1.111, 1.05, 0.95 -> 1.05
        assertEquals("| a.gguf | 1 | 3 | 540.0 | 600.0 | 0.90× (0.83–1.00) | 200.0 | 200.0 | 1.05× (0.95–1.11) |",
                lines[2]);
        assertEquals("| a.gguf | 2 | 1 | 1000.0 | 1000.0 | 1.00× (1.00–1.00) | 300.0 | 330.0 | 0.91× (0.91–0.91) |",
                lines[3]);
    }

    @Test
    void aMissingOrIncompletePartnerIsNamed() throws IOException {
        Files.writeString(dir.resolve("0001-ours.json"),
                "{\"model\":\"m.gguf\",\"threads\":1,\"prefill_tokens_per_second\":1,\"decode_tokens_per_second\":1}");
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> CompareReport.read(dir));
        assertTrue(missing.getMessage().contains("0001-llamacpp.json") && missing.getMessage().contains("missing"),
                missing.getMessage());

        Files.writeString(dir.resolve("0001-llamacpp.json"), "[{\"n_prompt\":128,\"n_gen\":0,\"avg_ts\":5}]");
        IllegalArgumentException noGen = assertThrows(IllegalArgumentException.class, () -> CompareReport.read(dir));
        assertTrue(noGen.getMessage().contains("generation test") && noGen.getMessage().contains("found 1 and 0"),
                noGen.getMessage());

        Files.writeString(dir.resolve("0001-llamacpp.json"), "[{\"n_prompt\":128,\"n_gen\":0,\"avg_ts\":5},"
                + "{\"n_prompt\":256,\"n_gen\":0,\"avg_ts\":4},{\"n_prompt\":0,\"n_gen\":64,\"avg_ts\":5}]");
        IllegalArgumentException twoPrompts = assertThrows(IllegalArgumentException.class, () -> CompareReport.read(dir));
        assertTrue(twoPrompts.getMessage().contains("found 2 and 1"), twoPrompts.getMessage());

        Files.writeString(dir.resolve("0001-llamacpp.json"), "llama-bench: error");
        IllegalArgumentException notJson = assertThrows(IllegalArgumentException.class, () -> CompareReport.read(dir));
        assertTrue(notJson.getMessage().contains("not JSON"), notJson.getMessage());

        Files.writeString(dir.resolve("0001-llamacpp.json"), "[{\"n_prompt\":128,\"n_gen\":0,\"n_threads\":2,"
                + "\"avg_ts\":5},{\"n_prompt\":0,\"n_gen\":64,\"n_threads\":2,\"avg_ts\":5}]");
        IllegalArgumentException threads = assertThrows(IllegalArgumentException.class, () -> CompareReport.read(dir));
        assertTrue(threads.getMessage().contains("ran 2 threads"), threads.getMessage());

        Files.writeString(dir.resolve("0001-llamacpp.json"), "[{\"n_prompt\":128,\"n_gen\":0,"
                + "\"model_filename\":\"/x/other.gguf\",\"avg_ts\":5},{\"n_prompt\":0,\"n_gen\":64,\"avg_ts\":5}]");
        IllegalArgumentException model = assertThrows(IllegalArgumentException.class, () -> CompareReport.read(dir));
        assertTrue(model.getMessage().contains("/x/other.gguf"), model.getMessage());

        Files.writeString(dir.resolve("0001-ours.json"), "{\"model\":\"m.gguf\",\"threads\":1}");
        Files.writeString(dir.resolve("0001-llamacpp.json"),
                "[{\"n_prompt\":128,\"n_gen\":0,\"avg_ts\":5},{\"n_prompt\":0,\"n_gen\":64,\"avg_ts\":5}]");
        IllegalArgumentException noFigure = assertThrows(IllegalArgumentException.class, () -> CompareReport.read(dir));
        assertTrue(noFigure.getMessage().contains("prefill_tokens_per_second"), noFigure.getMessage());
    }
}
