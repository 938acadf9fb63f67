package dev.llmj.runtime.model;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Lets sessions decoding on different threads share passes over the weights. A thread that wants
 * its session's next token evaluated calls {@link #step}; whichever caller holds the combining
 * lock takes every waiting request (up to the decoder's size) and runs them as one
 * {@link BatchDecoder} step, then wakes their threads. No extra scheduler thread: with one caller
 * this is a plain decode, with several they batch up by themselves while a step is running.
 *
 * <p>Each session's logits are exactly those of {@link Session#append(int...)} with one token
 * (see {@link BatchDecoder}), so batching never changes what a request generates.
 */
public final class DecodeBatcher implements AutoCloseable {
    private final BatchDecoder decoder;
    private final ReentrantLock combiner = new ReentrantLock();
    private final ConcurrentLinkedQueue<Request> pending = new ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicLong steps = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong tokens = new java.util.concurrent.atomic.AtomicLong();
    private volatile int largestBatch;

    private static final class Request {
        final Session session;
        final int token;
        final Thread waiter = Thread.currentThread();
        float[] logits;
        RuntimeException error;
        volatile boolean done;

        Request(Session session, int token) {
            this.session = session;
            this.token = token;
        }
    }

    /** @param maxBatch most sessions decoded in one step */
    public DecodeBatcher(Model model, int maxBatch) {
        this.decoder = new BatchDecoder(model, maxBatch);
    }

    /**
     * Appends {@code token} to {@code session} and returns the logits predicting its next token,
     * batched with whatever other sessions are stepping at the same moment. One outstanding step
     * per session.
     *
     * @throws ContextFullException when this session's context is full (other requests are unaffected)
     */
    public float[] step(Session session, int token) {
        Request mine = new Request(session, token);
        pending.add(mine);
        while (!mine.done) {
            if (combiner.tryLock()) {
                try {
                    runOneBatch();
                } finally {
                    combiner.unlock();
                }
            } else {
                LockSupport.parkNanos(this, 200_000);
            }
        }
        if (mine.error != null) {
            throw mine.error;
        }
        return mine.logits;
    }

    private void runOneBatch() {
        List<Request> batch = new ArrayList<>();
        Request r;
        while (batch.size() < decoder.maxSessions() && (r = pending.poll()) != null) {
            if (r.session.length() >= r.session.capacity()) {
                r.error = new ContextFullException(r.session.capacity(), r.session.length(), 1);
                finish(r);
            } else {
                batch.add(r);
            }
        }
        if (batch.isEmpty()) {
            return;
        }
        List<Session> sessions = new ArrayList<>(batch.size());
        int[] ids = new int[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            sessions.add(batch.get(i).session);
            ids[i] = batch.get(i).token;
        }
        steps.incrementAndGet();
        tokens.addAndGet(batch.size());
        largestBatch = Math.max(largestBatch, batch.size());
        try {
            float[][] logits = decoder.step(sessions, ids);
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).logits = logits[i];
            }
        } catch (RuntimeException e) {
            for (Request q : batch) {
                q.error = e;
            }
        } finally {
            for (Request q : batch) {
                finish(q);
            }
        }
    }

    /** Batched forward passes run so far. */
    public long steps() {
        return steps.get();
    }

    /** Tokens decoded so far (tokens / steps is the mean batch size). */
    public long tokens() {
        return tokens.get();
    }

    /** The most sessions one step has decoded together. */
    public int largestBatch() {
        return largestBatch;
    }

    private static void finish(Request r) {
        r.done = true;
        LockSupport.unpark(r.waiter);
    }

    @Override
    public void close() {
        combiner.lock();
        try {
            decoder.close();
        } finally {
            combiner.unlock();
        }
    }
}
