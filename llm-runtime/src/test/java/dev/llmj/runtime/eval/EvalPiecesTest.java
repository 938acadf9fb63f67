package dev.llmj.runtime.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.rope.RopeScheme;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The model-free parts of the lab: scheme lists, id files, metrics, log-softmax. */
class EvalPiecesTest {
    @Test
    void schemeListJoinsKeyValuePiecesToTheSchemeBefore() {
        List<RopeScheme> s = SchemeList.parse("rope,linear,leaky-rerope:w=128,k=8,local:w=256,rerope:w=128+logn,rope+logn");
        assertEquals(List.of("rope", "linear", "leaky-rerope:w=128,k=8", "local:w=256", "rerope:w=128+logn", "rope+logn"),
                s.stream().map(Object::toString).toList());
        assertEquals(List.of("rope", "rope+logn", "ntk", "ntk+logn"),
                SchemeList.withLognVariants(SchemeList.parse("rope,ntk,rope+logn")).stream().map(Object::toString).toList());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SchemeList.parse("rope,k=8")).getMessage()
                .contains("'k=8' does not follow a scheme with parameters"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SchemeList.parse("rope,,ntk")).getMessage()
                .contains("empty entry"));
    }

    @Test
    void idsParseAndBadIdsAreNamedByIndex() {
        assertArrayEquals(new int[] {0, 5, 511}, TokenStream.parseIds(" 0\n5\t 511 \n", 512, "f"));
        assertEquals("f: token 1 is '-x', not a whole number",
                assertThrows(IllegalArgumentException.class, () -> TokenStream.parseIds("1 -x 2", 512, "f")).getMessage());
        assertEquals("f: token 2 is -1, outside the model's vocabulary 0..511",
                assertThrows(IllegalArgumentException.class, () -> TokenStream.parseIds("1 2 -1", 512, "f")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> TokenStream.parseIds("", 512, "f"));
    }

    @Test
    void metricsAverageAllPositionsAndTheLastL() {
        WindowMetrics m = new WindowMetrics(5, 2); // 4 predictions per window, loss_last over the last 2
        m.add(new WindowScore(new double[] {1, 2, 3, 4}, new boolean[] {true, false, false, true}));
        m.add(new WindowScore(new double[] {5, 6, 7, 8}, new boolean[] {false, false, false, true}));
        assertEquals(36.0 / 8, m.loss(), 1e-15);
        assertEquals((3 + 4 + 7 + 8) / 4.0, m.lossLast(), 1e-15);
        assertEquals(3.0 / 8, m.accuracy(), 1e-15);
        assertArrayEquals(new double[] {3, 4, 5, 6}, m.perPosition(), 1e-15);
        WindowMetrics shortWindows = new WindowMetrics(3, 256); // L > n−1: loss_last covers every prediction
        shortWindows.add(new WindowScore(new double[] {1, 3}, new boolean[] {true, true}));
        assertEquals(shortWindows.loss(), shortWindows.lossLast(), 0.0);
    }

    @Test
    void logSoftmaxIsStableForHugeLogitsAndArgmaxTakesTheFirstTie() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(4 * 4 + 8, 64);
            float[] logits = {1000f, 1000f, 999f, -1e30f};
            MemorySegment.copy(logits, 0, seg, ValueLayout.JAVA_FLOAT, 8, 4);
            double z = Math.log(2 + Math.exp(-1));
            assertEquals(z, WindowScorer.negativeLogSoftmax(seg, 8, 4, 0), 1e-12);
            assertEquals(z + 1, WindowScorer.negativeLogSoftmax(seg, 8, 4, 2), 1e-12);
            assertEquals(0, WindowScorer.argmax(seg, 8, 4));
        }
    }

    @Test
    void plansAreValidatedWithTheOffendingValue() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Extrapolation.validate(1000, List.of(64, 96), 64, 256))
                .getMessage().contains("span 256 is not a multiple of length [96]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Extrapolation.validate(100, List.of(64), 64, 128))
                .getMessage().contains("the stream has 100 tokens, fewer than the span of 128"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Extrapolation.validate(1000, List.of(64, 64), 64, 128))
                .getMessage().contains("listed twice"));
        Extrapolation.validate(128, List.of(64, 128), 64, 128);
    }
}
