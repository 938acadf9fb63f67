package dev.llmj.runtime.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * Text to token ids and back, with llama.cpp's behaviour for the vocabulary's model.
 *
 * <p>Decoding works on bytes: a byte-fallback or byte-level token may carry part of a UTF-8
 * character, so streaming output goes through {@link StreamingDecoder}, which holds incomplete
 * characters back until their last byte arrives.
 *
 * <p>Implementations are immutable after construction and safe to share between threads.
 * Obtain one from {@link Tokenizers}.
 */
public interface Tokenizer {
    Vocabulary vocabulary();

    /**
     * Encodes {@code text}, prefixing the BOS id when {@code addBos}. Text that spells a control
     * token (e.g. "&lt;s&gt;") is encoded as plain text; user-defined tokens are matched literally.
     */
    int[] encode(String text, boolean addBos);

    /**
     * llama.cpp's {@code llama_tokenize}: {@code addSpecial} adds BOS/EOS as the vocabulary's
     * {@code add_bos_token}/{@code add_eos_token} say; {@code parseSpecial} also turns control-token
     * texts in {@code text} into their ids.
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /**
     * The raw bytes {@code id} contributes to decoded text: "" for control tokens, the byte for
     * {@code <0xXX>} and byte-level tokens, UTF-8 text otherwise.
     *
     * @throws IllegalArgumentException when id is outside the vocabulary
     */
    byte[] pieceBytes(int id);

    /** The piece as a string; a partial UTF-8 character becomes U+FFFD. */
    default String decodePiece(int id) {
        return new String(pieceBytes(id), StandardCharsets.UTF_8);
    }

    /**
     * Decodes a whole sequence. For SentencePiece vocabularies with a dummy space prefix, the
     * leading space of the first text-producing token is dropped, so that
     * {@code decode(encode(s, false)) == s}.
     *
     * @throws IllegalArgumentException naming the first id outside the vocabulary
     */
    String decode(int[] ids);

    default int bos() {
        return vocabulary().bos();
    }

    default int eos() {
        return vocabulary().eos();
    }

    /** A decoder for tokens that arrive one at a time. */
    default StreamingDecoder streamingDecoder() {
        return new StreamingDecoder(this);
    }
}
