package dev.llmj.runtime.generate;

import dev.llmj.runtime.model.Session;

/** How one generated token is evaluated: alone ({@link #ALONE}) or batched with other sessions. */
@FunctionalInterface
public interface DecodeStep {
    /** Appends {@code token} to {@code session}; returns the logits predicting the next token. */
    float[] append(Session session, int token);

    DecodeStep ALONE = (session, token) -> session.append(token);
}
