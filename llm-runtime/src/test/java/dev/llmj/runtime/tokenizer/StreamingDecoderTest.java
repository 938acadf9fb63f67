package dev.llmj.runtime.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StreamingDecoderTest {
    private final Tokenizer tok = Tokenizers.fromVocabulary(
            SpmTokenizerTest.vocab(new String[] {"▁", "▁a"}, new float[] {0, -1}));

    private static int byteToken(int b) {
        return SpmTokenizerTest.BYTE0 + b;
    }

    @Test
    void multiByteCharacterSplitOverByteTokensComesOutWhole() {
        StreamingDecoder d = tok.streamingDecoder();
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8); // E2 82 AC
        assertEquals("", d.accept(byteToken(euro[0] & 0xFF)));
        assertEquals(1, d.pendingBytes());
        assertEquals("", d.accept(byteToken(euro[1] & 0xFF)));
        assertEquals("€", d.accept(byteToken(euro[2] & 0xFF)));
        assertEquals(0, d.pendingBytes());
        // A 4-byte character, then ordinary text in the same call.
        byte[] face = "😀".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 3; i++) {
            assertEquals("", d.accept(byteToken(face[i] & 0xFF)));
        }
        assertEquals("😀", d.accept(byteToken(face[3] & 0xFF)));
        assertEquals(" a", d.accept(tok.vocabulary().id("▁a")));
        assertEquals("", d.accept(1)); // BOS contributes nothing
    }

    @Test
    void invalidBytesAreNotHeldBackForever() {
        StreamingDecoder d = tok.streamingDecoder();
        // A stray continuation byte can never complete: it is emitted as U+FFFD at once.
        assertEquals("\uFFFD", d.accept(byteToken(0x80)));
        // A lead byte followed by ASCII: the lead byte is invalid, the ASCII is kept.
        assertEquals("", d.accept(byteToken(0xE2)));
        assertEquals("\uFFFDA", d.accept(byteToken('A')));
        // An incomplete character at the end is flushed as U+FFFD.
        assertEquals("", d.accept(byteToken(0xC3)));
        assertEquals("\uFFFD", d.flush());
        assertEquals("", d.flush());
    }

    @Test
    void completePrefixRule() {
        byte[] b = {'a', (byte) 0xF0, (byte) 0x9F, (byte) 0x98};
        assertEquals(1, StreamingDecoder.completePrefix(b, 4));
        assertEquals(1, StreamingDecoder.completePrefix(b, 2));
        assertEquals(1, StreamingDecoder.completePrefix(b, 1));
        assertEquals(0, StreamingDecoder.completePrefix(b, 0));
        byte[] c = {(byte) 0xC3, (byte) 0xA9};
        assertEquals(2, StreamingDecoder.completePrefix(c, 2));
        assertEquals(0, StreamingDecoder.completePrefix(c, 1));
    }
}
