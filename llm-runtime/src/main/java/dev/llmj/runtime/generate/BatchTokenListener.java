package dev.llmj.runtime.generate;

/** Receives the output of {@link Generator#generateBatch}: {@link TokenListener} with the sequence's index. */
@FunctionalInterface
public interface BatchTokenListener {
    void onToken(int sequence, int id, String text);

    BatchTokenListener NONE = (sequence, id, text) -> { };
}
