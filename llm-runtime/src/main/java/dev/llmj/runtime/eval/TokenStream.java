package dev.llmj.runtime.eval;

import dev.llmj.runtime.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The token stream an evaluation runs over, from a text file (tokenized with the model's tokenizer,
 * no BOS, the tokenizer's own SentencePiece dummy prefix) or a file of whitespace-separated ids.
 *
 * @param ids    the tokens
 * @param source where they came from, for reports
 */
public record TokenStream(int[] ids, String source) {

    public int size() {
        return ids.length;
    }

    /**
     * Tokenizes a UTF-8 text file without BOS.
     *
     * @throws IOException              when the file cannot be read or is not UTF-8
     * @throws IllegalArgumentException when it yields no tokens
     */
    public static TokenStream fromText(Path file, Tokenizer tokenizer) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new IOException(file + " is not valid UTF-8 text", e);
        }
        int[] ids = tokenizer.encode(text, false);
        if (ids.length == 0) {
            throw new IllegalArgumentException(file + " is empty: no tokens to evaluate");
        }
        return new TokenStream(ids, file.toString());
    }

    /**
     * Reads whitespace-separated decimal ids, each in 0..vocab−1.
     *
     * @throws IllegalArgumentException naming the 0-based index and text of the first bad id, or an empty file
     */
    public static TokenStream fromIds(Path file, int vocab) throws IOException {
        String text = Files.readString(file, StandardCharsets.ISO_8859_1); // digits and spaces; any byte is an error below
        return new TokenStream(parseIds(text, vocab, file.toString()), file.toString());
    }

    static int[] parseIds(String text, int vocab, String where) {
        String trimmed = text.strip();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException(where + " is empty: no token ids to evaluate");
        }
        String[] parts = trimmed.split("\\s+");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            int id;
            try {
                id = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(where + ": token " + i + " is '" + shorten(parts[i])
                        + "', not a whole number");
            }
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException(where + ": token " + i + " is " + id
                        + ", outside the model's vocabulary 0.." + (vocab - 1));
            }
            ids[i] = id;
        }
        return ids;
    }

    private static String shorten(String s) {
        return s.length() <= 24 ? s : s.substring(0, 24) + "…";
    }
}
