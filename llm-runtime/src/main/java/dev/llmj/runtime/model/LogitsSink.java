package dev.llmj.runtime.model;

import java.lang.foreign.MemorySegment;

/**
 * Receives the logits of one position from {@link Session#appendAll}: {@code vocab} F32 values at
 * byte {@code offset} in {@code segment}, predicting the token after {@code position}. The segment
 * is the session's scratch and is overwritten after the call returns: read it, do not keep it.
 */
@FunctionalInterface
public interface LogitsSink {
    void accept(int position, MemorySegment segment, long offset);
}
