package dev.llmj.kernels;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;
import java.util.function.IntUnaryOperator;

/**
 * The one small thread pool all kernels share: a fixed set of daemon workers plus the calling
 * thread, no thread creation per call.
 *
 * <p>{@link #parallelFor} hands out task indices from an atomic counter; the caller runs tasks
 * too and returns when all are done. Workers spin briefly between jobs (the runtime issues
 * thousands of small jobs per second) and then park. A call made while the pool is busy (from
 * another thread, or nested inside a task) runs its tasks inline on the calling thread, so kernels
 * can call each other freely.
 */
public final class KernelExecutor implements AutoCloseable {
    /** Spins before a waiting thread parks: ~tens of microseconds, short enough for shared cores. */
    private static final int SPINS = 1 << 12;

    private static volatile KernelExecutor shared;
    private static final KernelExecutor SINGLE = new KernelExecutor(1, "single");

    private final int threads;
    private final Thread[] workers;
    private final AtomicBoolean busy = new AtomicBoolean();
    private final AtomicReference<Job> current = new AtomicReference<>();
    private volatile boolean closed;

    private KernelExecutor(int threads, String name) {
        if (threads < 1) {
            throw new IllegalArgumentException("an executor needs at least one thread, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            Thread t = new Thread(this::workerLoop, "llmj-kernels-" + name + "-" + (i + 1));
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    /**
     * The process-wide pool: {@code -Dllmj.threads} threads, else one per available core.
     */
    public static KernelExecutor shared() {
        KernelExecutor s = shared;
        if (s == null) {
            synchronized (KernelExecutor.class) {
                s = shared;
                if (s == null) {
                    int n = Integer.getInteger("llmj.threads", Runtime.getRuntime().availableProcessors());
                    s = shared = new KernelExecutor(Math.max(1, n), "shared");
                }
            }
        }
        return s;
    }

    /** Runs everything on the calling thread (benchmarks, deterministic debugging). */
    public static KernelExecutor singleThread() {
        return SINGLE;
    }

    /** A new pool of {@code threads} threads (the caller counts as one); close it when done. */
    public static KernelExecutor withThreads(int threads) {
        return threads == 1 ? SINGLE : new KernelExecutor(threads, "pool" + threads);
    }

    /** Threads that run tasks, the caller included. */
    public int threads() {
        return threads;
    }

    /**
     * This executor when pool threads may touch every segment, else {@link #singleThread()}: a
     * segment of a confined arena is only accessible by its owner thread, so work on it stays on
     * the caller.
     */
    public KernelExecutor reaching(java.lang.foreign.MemorySegment... segments) {
        if (workers.length == 0) {
            return this;
        }
        for (java.lang.foreign.MemorySegment s : segments) {
            if (!s.isAccessibleBy(workers[0])) {
                return SINGLE;
            }
        }
        return this;
    }

    /** {@link #reaching} for a group of weights, their outputs and the one input they share. */
    public KernelExecutor reaching(WeightMatrix[] ws, java.lang.foreign.MemorySegment[] outs,
            java.lang.foreign.MemorySegment in) {
        java.lang.foreign.MemorySegment[] all = new java.lang.foreign.MemorySegment[2 * ws.length + 1];
        for (int i = 0; i < ws.length; i++) {
            all[2 * i] = ws[i].base();
            all[2 * i + 1] = outs[i];
        }
        all[2 * ws.length] = in;
        return reaching(all);
    }

    /** Runs {@code body.accept(i)} for i in [0, tasks), spread over the pool; returns when all are done. */
    public void parallelFor(int tasks, IntConsumer body) {
        if (tasks <= 0) {
            return;
        }
        if (tasks == 1 || workers.length == 0 || closed || !busy.compareAndSet(false, true)) {
            for (int i = 0; i < tasks; i++) {
                body.accept(i);
            }
            return;
        }
        try {
            Job job = new Job(tasks, body, Thread.currentThread());
            current.set(job);
            int wake = Math.min(workers.length, tasks - 1);
            for (int i = 0; i < wake; i++) {
                LockSupport.unpark(workers[i]);
            }
            job.runTasks();
            job.awaitDone();
            current.set(null);
            job.rethrow();
        } finally {
            busy.set(false);
        }
    }

    /** A contiguous range [from, to) of work items. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /**
     * Runs {@code body} over contiguous ranges covering [0, n), in parallel: 2·threads equal ranges
     * (at least {@code minChunk} items each, the last possibly shorter), claimed in order, so each
     * thread runs about two long ranges.
     *
     * <p>Why so few: the GEMV kernels read each range as long sequential streams through the
     * weights, and every range start is a new stream that stalls on DRAM until the hardware
     * prefetcher has picked it up. Ranges shrinking towards the end (remaining / 2·threads, about
     * six per thread per matrix; the previous scheme, for balance) made a two-thread Q4_0 GEMV
     * sweep from DRAM 4–10 % slower and two-thread Q4_0 decoding 4 % slower (174.8 against 182.7
     * tok/s, three alternating runs). One range per thread measured the same as two, but two keep a
     * thread that runs slow (a busy shared core) from holding up the other for half the work.
     * {@link #parallelSplit} balances better still; the interleaved GEMVs of decoding use it.
     */
    public void parallelRanges(int n, int minChunk, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int min = Math.max(1, minChunk);
        if (threads == 1 || n < 2 * min) {
            body.run(0, n);
            return;
        }
        int range = Math.max(min, (n + 2 * threads - 1) / (2 * threads));
        AtomicInteger next = new AtomicInteger();
        parallelFor(threads, worker -> {
            while (true) {
                int from = next.get();
                if (from >= n) {
                    return;
                }
                int to = Math.min(n, from + range);
                if (next.compareAndSet(from, to)) {
                    body.run(from, to);
                }
            }
        });
    }

    /** Units [unitFrom, unitTo) of the range [from, to) (see {@link #parallelSplit}). */
    @FunctionalInterface
    public interface UnitBody {
        void run(int from, int to, int unitFrom, int unitTo);
    }

    /** Longs between two ranges' claim words, so the owners' claims never share a cache line. */
    private static final int CLAIM_STRIDE = 16;

    /**
     * Runs {@code body} over [0, n) split into one contiguous range per thread, each range read
     * as {@code unitsOf.applyAsInt(length)} units (what a unit covers is the body's business: an
     * item, or a pair of items from the range's two halves). The thread that owns a range claims
     * its units front to back, one at a time, so its reads stay one long stream; a thread whose
     * own range is done takes the back half of what is left of another's, again and again until
     * nothing is left, so both finish together.
     *
     * <p>Why: decoding issues about 60 jobs per token of 5–25 µs per thread, and with ranges
     * fixed in advance (2·threads of them, claimed in order) the caller waited on average 8.5 µs
     * per job for the other thread's last range, and the other thread as long for the caller's
     * (110m Q4_0, two threads): on a shared host a core's speed changes from one range to the next,
     * and a worker now and then starts late. Stealing from the back costs a new stream only where
     * a thread fell behind, where smaller ranges for all cost one per range (see
     * {@link #parallelRanges}).
     */
    public void parallelSplit(int n, IntUnaryOperator unitsOf, UnitBody body) {
        if (n <= 0) {
            return;
        }
        int ranges = Math.min(threads, n);
        if (ranges == 1) {
            body.run(0, n, 0, unitsOf.applyAsInt(n));
            return;
        }
        // claim word of range r at r·CLAIM_STRIDE: next unit from the front (high half), end of
        // the unclaimed units (low half)
        AtomicLongArray claims = new AtomicLongArray(ranges * CLAIM_STRIDE);
        for (int r = 0; r < ranges; r++) {
            claims.set(r * CLAIM_STRIDE, unitsOf.applyAsInt(bound(n, ranges, r + 1) - bound(n, ranges, r)));
        }
        parallelFor(ranges, own -> {
            int from = bound(n, ranges, own);
            int to = bound(n, ranges, own + 1);
            int slot = own * CLAIM_STRIDE;
            while (true) {
                long c = claims.get(slot);
                int front = (int) (c >>> 32);
                int back = (int) c;
                if (front >= back) {
                    break;
                }
                if (claims.compareAndSet(slot, c, c + (1L << 32))) {
                    body.run(from, to, front, front + 1);
                }
            }
            for (int k = 1; k < ranges; k++) {
                int r = (own + k) % ranges;
                int other = r * CLAIM_STRIDE;
                while (true) {
                    long c = claims.get(other);
                    int front = (int) (c >>> 32);
                    int back = (int) c;
                    if (front >= back) {
                        break;
                    }
                    int start = back - Math.max(1, (back - front) / 2);
                    if (claims.compareAndSet(other, c, (c & 0xFFFF_FFFF_0000_0000L) | start)) {
                        body.run(bound(n, ranges, r), bound(n, ranges, r + 1), start, back);
                    }
                }
            }
        });
    }

    /** Start of range r of {@code ranges} equal ranges over [0, n). */
    private static int bound(int n, int ranges, int r) {
        return (int) ((long) n * r / ranges);
    }

    private void workerLoop() {
        Job last = null;
        while (!closed) {
            Job job = current.get();
            if (job != null && job != last) {
                last = job;
                job.runTasks();
                continue;
            }
            int spins = 0;
            while (!closed && (current.get() == null || current.get() == last)) {
                if (++spins < SPINS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
        }
    }

    /** Stops the workers of a pool made by {@link #withThreads}; the shared pool ignores this. */
    @Override
    public void close() {
        if (this == shared || this == SINGLE) {
            return;
        }
        closed = true;
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
    }

    /** One parallelFor call: its own counters, so a late worker can never run a newer job's index. */
    private static final class Job {
        final int tasks;
        final IntConsumer body;
        final Thread caller;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable failure;

        Job(int tasks, IntConsumer body, Thread caller) {
            this.tasks = tasks;
            this.body = body;
            this.caller = caller;
        }

        void runTasks() {
            int i;
            while ((i = next.getAndIncrement()) < tasks) {
                try {
                    if (failure == null) {
                        body.accept(i);
                    }
                } catch (Throwable t) {
                    if (failure == null) {
                        failure = t;
                    }
                } finally {
                    if (done.incrementAndGet() == tasks && Thread.currentThread() != caller) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }

        void awaitDone() {
            int spins = 0;
            while (done.get() < tasks) {
                if (++spins < SPINS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
        }

        void rethrow() {
            Throwable t = failure;
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException("kernel task failed", t);
            }
        }
    }
}
