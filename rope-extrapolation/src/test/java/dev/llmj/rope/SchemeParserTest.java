package dev.llmj.rope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalDouble;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SchemeParserTest {

    @ParameterizedTest
    @ValueSource(strings = {"rope", "linear", "linear:factor=4", "ntk", "ntk:factor=2.5", "dynamic-ntk",
            "dynamic-ntk:factor=2", "ntk-mixed", "ntk-mixed:factor=2,b=0.5", "yarn", "yarn:factor=8",
            "yarn:factor=8,fast=16,slow=2", "llama3", "llama3:factor=8", "llama3:factor=8,low=2,high=8",
            "rerope:w=128", "leaky-rerope:w=128,k=8", "leaky-rerope:w=64,k=2.5", "local:w=256",
            "rope+logn", "rerope:w=128+logn", "yarn:factor=2+logn"})
    void canonicalStringsRoundTrip(String s) {
        RopeScheme scheme = RopeScheme.parse(s);
        assertEquals(s, scheme.toString());
        assertEquals(scheme, RopeScheme.parse(scheme.toString()));
    }

    @Test
    void defaultsAreDroppedFromTheCanonicalString() {
        assertEquals("ntk-mixed", RopeScheme.parse("ntk-mixed:b=0.75").toString());
        assertEquals("yarn:factor=8", RopeScheme.parse("yarn:fast=32,factor=8,slow=1").toString());
        assertEquals("llama3:factor=8", RopeScheme.parse("llama3:factor=8,low=1,high=4").toString());
        assertEquals("dynamic-ntk", RopeScheme.parse("dynamic-ntk:factor=1").toString());
        assertEquals("linear:factor=2", RopeScheme.parse(" linear:factor=2.0 ").toString());
        assertEquals("linear:factor=100+logn", RopeScheme.parse("linear:factor=1e+2+logn").toString());
    }

    @Test
    void parsedValuesLandInTheRecords() {
        assertEquals(new RopeScheme.Yarn(OptionalDouble.of(8), 32, 1), RopeScheme.parse("yarn:factor=8"));
        assertEquals(new RopeScheme.LeakyReRope(128, 8), RopeScheme.parse("leaky-rerope:w=128,k=8"));
        assertEquals(new RopeScheme.NtkMixed(OptionalDouble.empty(), 0.75), RopeScheme.parse("ntk-mixed"));
        RopeScheme logn = RopeScheme.parse("rerope:w=128+logn");
        assertTrue(logn.logn());
        assertEquals(new RopeScheme.ReRope(128), logn.withoutLogn());
        assertFalse(logn.withoutLogn().logn());
        assertEquals("rerope", logn.name());
    }

    private static String messageOf(String bad) {
        return assertThrows(IllegalArgumentException.class, () -> RopeScheme.parse(bad)).getMessage();
    }

    @Test
    void unknownNameListsValidNames() {
        String m = messageOf("ropey:factor=2");
        assertTrue(m.contains("'ropey'"), m);
        assertTrue(m.contains("leaky-rerope") && m.contains("yarn") && m.contains("local"), m);
    }

    @Test
    void unknownKeyNamesKeyAndListsValidKeys() {
        String m = messageOf("yarn:factr=2");
        assertTrue(m.contains("'factr'") && m.contains("factor") && m.contains("fast") && m.contains("slow"), m);
        m = messageOf("rope:factor=2");
        assertTrue(m.contains("'factor'") && m.contains("no parameters"), m);
    }

    @Test
    void badValuesAreNamed() {
        assertTrue(messageOf("linear:factor=two").contains("'two'"));
        assertTrue(messageOf("linear:factor=-1").contains("factor"));
        assertTrue(messageOf("linear:factor=0").contains("factor"));
        assertTrue(messageOf("rerope:w=12.5").contains("w"));
        assertTrue(messageOf("rerope:w=0").contains("w"));
        assertTrue(messageOf("leaky-rerope:w=128,k=0.5").contains("k"));
        assertTrue(messageOf("llama3:low=4,high=1").contains("high"));
    }

    @Test
    void structuralErrorsAreNamed() {
        assertTrue(messageOf("").contains("empty"));
        assertTrue(messageOf("rerope").contains("'w'"));
        assertTrue(messageOf("leaky-rerope:w=128").contains("'k'"));
        assertTrue(messageOf("local").contains("'w'"));
        assertTrue(messageOf("yarn:").contains("nothing after"));
        assertTrue(messageOf("yarn:factor").contains("'factor'"));
        assertTrue(messageOf("yarn:factor=2,factor=3").contains("twice"));
        assertTrue(messageOf("rope+log").contains("+log"));
        assertTrue(messageOf("rerope:w=4+lognn").contains("'+lognn'"), messageOf("rerope:w=4+lognn"));
        assertTrue(messageOf("yarn:factor=2+logn+logn").contains("modifier"));
        assertTrue(messageOf("rope+logn+logn").contains("modifier"));
        assertTrue(messageOf("yarn:factor=2,").contains("key=value"));
    }

    @Test
    void ggufMetadataFactory() {
        GgufRope.Config plain = GgufRope.of(null, null, null, null, null, 64, 2048, PairLayout.ADJACENT);
        assertEquals(new RopeScheme.Plain(), plain.scheme());
        assertEquals(new RopeGeometry(64, 10000, 2048, PairLayout.ADJACENT), plain.geometry());

        GgufRope.Config yarn = GgufRope.of("yarn", 4.0, 32768, 1_000_000.0, 64, 128, 131072, PairLayout.HALVES);
        assertEquals(RopeScheme.parse("yarn:factor=4"), yarn.scheme());
        assertEquals(new RopeGeometry(64, 1_000_000, 32768, PairLayout.HALVES), yarn.geometry());

        assertEquals(RopeScheme.parse("linear"), GgufRope.of("linear", 0.0, null, null, null, 64, 256,
                PairLayout.ADJACENT).scheme());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GgufRope.of("longrope", 2.0, null, null, null, 64, 256, PairLayout.ADJACENT));
        assertTrue(e.getMessage().contains("longrope") && e.getMessage().contains("yarn"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> GgufRope.of("none", null, null, null, 96, 64, 256, PairLayout.ADJACENT));
        assertThrows(IllegalArgumentException.class,
                () -> GgufRope.of("none", null, null, 0.5, null, 64, 256, PairLayout.ADJACENT));
    }
}
