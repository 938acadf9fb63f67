package dev.llmj.runtime.server;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admission control: at most {@code maxSessions} generations at once, at most {@code maxQueued}
 * requests waiting for a slot (first come, first served), each waiting at most {@code timeout}.
 * A request beyond the queue, or one whose wait times out, gets an {@link ApiError} 503.
 */
public final class SessionLimiter {
    private final Semaphore slots;
    private final int maxSessions;
    private final int maxQueued;
    private final long timeoutNanos;
    private final AtomicInteger queued = new AtomicInteger();

    public SessionLimiter(int maxSessions, int maxQueued, long timeout, TimeUnit unit) {
        if (maxSessions < 1) {
            throw new IllegalArgumentException("max sessions must be ≥ 1, got " + maxSessions);
        }
        if (maxQueued < 0) {
            throw new IllegalArgumentException("max queued must be ≥ 0, got " + maxQueued);
        }
        this.slots = new Semaphore(maxSessions, true);
        this.maxSessions = maxSessions;
        this.maxQueued = maxQueued;
        this.timeoutNanos = unit.toNanos(timeout);
    }

    /** Takes a slot, waiting in the bounded queue if needed; pair with {@link #release()}. */
    public void acquire() throws InterruptedException {
        if (slots.tryAcquire()) {
            return;
        }
        if (queued.incrementAndGet() > maxQueued) {
            queued.decrementAndGet();
            throw ApiError.overloaded("all " + maxSessions + " sessions are busy and " + maxQueued
                    + " requests are already waiting; retry later");
        }
        try {
            if (!slots.tryAcquire(timeoutNanos, TimeUnit.NANOSECONDS)) {
                throw ApiError.overloaded("no session became free within "
                        + TimeUnit.NANOSECONDS.toSeconds(timeoutNanos) + " s; retry later");
            }
        } finally {
            queued.decrementAndGet();
        }
    }

    public void release() {
        slots.release();
    }

    public int maxSessions() {
        return maxSessions;
    }

    public int maxQueued() {
        return maxQueued;
    }

    /** Requests waiting for a slot right now. */
    public int queued() {
        return queued.get();
    }
}
