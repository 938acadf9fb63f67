package dev.llmj.rope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmj.testsupport.SharedAssets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every scheme of shared/reference's {@code schemes_at_512_window_0} (the first 512 validation ids
 * as one window, L = 256, n = 512) through {@link TinyLlamaHarness}: our scheme conventions
 * (factor n/L, YaRN ramp and mscale, llama3 bands, ntk-mixed β, dynamic-NTK base at n, ReRoPE and
 * leaky windows, logn) must reproduce the independent float64 implementation's numbers.
 */
class SchemesMatchReferenceTest {

    @Test
    void lossesAndAccuracyMatchTheIndependentImplementation() throws Exception {
        TinyLlamaHarness model = new TinyLlamaHarness(SharedAssets.require("models/tinyshakespeare/model.bin"));
        JsonNode expected = new ObjectMapper()
                .readTree(SharedAssets.require("reference/tinyshakespeare-reference.json").toFile())
                .get("schemes_at_512_window_0");
        int[] ids = Arrays.stream(Files.readString(SharedAssets.require("data/tinyshakespeare-val.ids")).trim()
                .split("\\s+")).limit(512).mapToInt(Integer::parseInt).toArray();
        assertFalse(expected.isEmpty(), "reference has no schemes");
        for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            TinyLlamaHarness.Scores s = model.score(RopeScheme.parse(e.getKey()), ids);
            int predicted = s.nll().length;                       // 511 predictions
            double loss = Arrays.stream(s.nll()).average().orElseThrow();
            double lossLast = Arrays.stream(s.nll(), predicted - 256, predicted).average().orElseThrow();
            int hits = 0;
            for (boolean h : s.hit()) hits += h ? 1 : 0;
            // The README promises ~1e-4 agreement from a float32 implementation (we see ~1e-6).
            assertEquals(e.getValue().get("loss").asDouble(), loss, 1e-4, e.getKey() + " loss");
            assertEquals(e.getValue().get("loss_last").asDouble(), lossLast, 1e-4, e.getKey() + " loss_last");
            // A float32 near-tie may flip one argmax: allow one prediction (1/511) of difference.
            assertEquals(e.getValue().get("accuracy").asDouble(), hits / (double) predicted, 1.0 / predicted + 1e-12,
                    e.getKey() + " accuracy");
        }
    }
}
