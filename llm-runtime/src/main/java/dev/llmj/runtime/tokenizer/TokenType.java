package dev.llmj.runtime.tokenizer;

/** Token kinds as numbered by GGUF's {@code tokenizer.ggml.token_type} array. */
public enum TokenType {
    /** A piece of ordinary text. */
    NORMAL(1),
    /** The unknown-token placeholder ({@code <unk>}). */
    UNKNOWN(2),
    /** BOS, EOS and other markers that never appear as text: they decode to "". */
    CONTROL(3),
    /** Added tokens matched literally in the input before the model's own algorithm runs. */
    USER_DEFINED(4),
    /** Reserved slots. */
    UNUSED(5),
    /** SentencePiece byte fallback {@code <0xXX>}: decodes to that raw byte. */
    BYTE(6);

    private final int code;

    TokenType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type for a GGUF code, or null when the code is not one of 1..6. */
    public static TokenType fromCode(int code) {
        return code >= 1 && code <= 6 ? values()[code - 1] : null;
    }
}
