package dev.llmj.runtime.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible byte-to-character map, which lets byte-level BPE vocabularies store every
 * byte as a printable character: the printable Latin-1 bytes {@code ! .. ~}, {@code ¡ .. ¬} and
 * {@code ® .. ÿ} map to themselves, and the other 68 bytes (controls, space, DEL, NBSP, soft
 * hyphen) map in increasing order to U+0100, U+0101, ... (so a space is 'Ġ' U+0120, a newline
 * 'Ċ' U+010A).
 */
final class ByteUnicode {
    private ByteUnicode() {}

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[256 + 68];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + extra++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
        assert extra == 68;
    }

    static char byteToChar(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte a character stands for, or -1 when it is not in the map. */
    static int charToByte(int c) {
        return c >= 0 && c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** Maps the UTF-8 bytes of {@code text} to their characters: the form vocabulary entries use. */
    static String encode(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            out[i] = BYTE_TO_CHAR[utf8[i] & 0xFF];
        }
        return new String(out);
    }

    /**
     * The bytes a byte-level token stands for. A character outside the map (which a well-formed
     * vocabulary does not contain) is kept as its own UTF-8 bytes.
     */
    static byte[] decode(String token) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(token.length());
        for (int i = 0; i < token.length(); ) {
            int cp = token.codePointAt(i);
            int b = charToByte(cp);
            if (b >= 0) {
                out.write(b);
            } else {
                out.writeBytes(Character.toString(cp).getBytes(StandardCharsets.UTF_8));
            }
            i += Character.charCount(cp);
        }
        return out.toByteArray();
    }
}
