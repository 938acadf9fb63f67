package dev.llmj.runtime.generate;

/** Receives generation output as it is produced. */
@FunctionalInterface
public interface TokenListener {
    /**
     * Called once per generated token, in order.
     *
     * @param id   the token id
     * @param text the text that became final with this token: may be empty (an incomplete UTF-8
     *             character, or text that might still turn out to be the start of a stop string)
     *             or hold text held back from earlier tokens
     */
    void onToken(int id, String text);

    TokenListener NONE = (id, text) -> { };
}
