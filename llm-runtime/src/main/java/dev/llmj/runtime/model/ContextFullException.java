package dev.llmj.runtime.model;

/** A session was asked to hold more tokens than the context it was created with. */
public final class ContextFullException extends IllegalStateException {
    public ContextFullException(int capacity, int held, int adding) {
        super("the context of " + capacity + " tokens is full: it holds " + held + " and " + adding
                + " more were requested; start a session with a larger context (--ctx)");
    }
}
