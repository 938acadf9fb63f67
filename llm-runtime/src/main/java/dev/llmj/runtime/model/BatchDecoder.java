package dev.llmj.runtime.model;

import dev.llmj.kernels.Kernels;
import dev.llmj.rope.attention.Attention;
import dev.llmj.rope.attention.ParallelFor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes one next token for each of several sessions of the same model in one forward pass: the
 * b tokens' projections go through {@link Projections} (batched GEMVs), so every weight matrix is streamed
 * from memory once per step instead of once per session. Decode is memory-bound, so b sequences
 * cost little more than one.
 *
 * <p>Each sequence gets exactly the arithmetic of {@link Session#append(int...)} with one token:
 * the batched GEMV is the kernel single-token decode uses, bit-identical per vector, and norms, attention (on the sequence's
 * own cache and rope scheme), residual adds and SwiGLU run per row with the same calls. So every
 * sequence's logits, and its greedy tokens, are exactly those it gets decoded alone.
 *
 * <p>Owns off-heap scratch for {@code maxSessions} rows; used by one thread at a time; close it
 * when done.
 */
public final class BatchDecoder implements AutoCloseable {
    private final Model model;
    private final ModelConfig c;
    private final ModelWeights w;
    private final Kernels k;
    private final Projections projections;
    private final ParallelFor parallel;
    private final int maxSessions;
    private final Arena arena;
    private final Activations a;
    private final MemorySegment logits;

    public BatchDecoder(Model model, int maxSessions) {
        if (maxSessions < 1) {
            throw new IllegalArgumentException("a batch decoder needs room for ≥ 1 session, got " + maxSessions);
        }
        this.model = model;
        this.c = model.config();
        this.w = model.weights();
        this.k = model.kernels();
        this.projections = model.projections();
        this.parallel = (count, body) -> k.executor().parallelFor(count, body);
        this.maxSessions = maxSessions;
        this.arena = Arena.ofShared();
        this.a = new Activations(model, arena, maxSessions);
        this.logits = Activations.floats(arena, (long) maxSessions * c.vocabSize());
    }

    public int maxSessions() {
        return maxSessions;
    }

    /**
     * Appends {@code ids[i]} to {@code sessions.get(i)} for every i, in one pass, and returns each
     * session's logits predicting its next token (fresh arrays, in the order of {@code sessions}).
     *
     * @throws IllegalArgumentException for sessions of another model, a session listed twice, more
     *     sessions than {@link #maxSessions()}, a count mismatch or an id outside the vocabulary
     * @throws ContextFullException when a session's context is full (nothing is evaluated then)
     */
    public float[][] step(List<Session> sessions, int[] ids) {
        int b = sessions.size();
        validate(sessions, ids);
        run(sessions, ids);
        float[][] out = new float[b][];
        int vocab = c.vocabSize();
        for (int i = 0; i < b; i++) {
            out[i] = new float[vocab];
            MemorySegment.copy(logits, ValueLayout.JAVA_FLOAT, (long) i * vocab * Float.BYTES, out[i], 0, vocab);
        }
        return out;
    }

    private void validate(List<Session> sessions, int[] ids) {
        int b = sessions.size();
        if (b < 1 || b > maxSessions) {
            throw new IllegalArgumentException("a step takes 1.." + maxSessions + " sessions, got " + b);
        }
        if (ids.length != b) {
            throw new IllegalArgumentException(b + " sessions but " + ids.length + " token ids");
        }
        Map<Session, Boolean> seen = new IdentityHashMap<>();
        for (int i = 0; i < b; i++) {
            Session s = sessions.get(i);
            if (s.model() != model) {
                throw new IllegalArgumentException("session " + i + " belongs to " + s.model() + ", not " + model);
            }
            if (seen.put(s, Boolean.TRUE) != null) {
                throw new IllegalArgumentException("session " + i + " appears twice in the batch");
            }
            if (ids[i] < 0 || ids[i] >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + ids[i] + " for session " + i
                        + " is outside the vocabulary of " + c.vocabSize() + " tokens");
            }
            if (s.length() >= s.capacity()) {
                throw new ContextFullException(s.capacity(), s.length(), 1);
            }
        }
    }

    /** ForwardPass.run with n = 1 for each row, the projections batched (see the class comment). */
    private void run(List<Session> sessions, int[] ids) {
        int b = sessions.size();
        int dim = c.dim();
        a.embed(ids, 0, b);
        for (int l = 0; l < c.nLayers(); l++) {
            LayerWeights lw = w.layers().get(l);
            a.normRows(lw.attnNorm(), 0, b);
            projections.projectGroup(lw.qkv(), a.xb, b, a.qkv());
            if (lw.bq() != null) {
                a.addBias(a.q, lw.bq(), b, c.queryDim());
                a.addBias(a.kNew, lw.bk(), b, c.kvDim());
                a.addBias(a.vNew, lw.bv(), b, c.kvDim());
            }
            // several sequences: one task per sequence, its heads in order on one thread (a decode
            // step's attention per head is tiny, so spreading heads cost more in hand-offs than it
            // saved); the arithmetic per head is the same either way
            int layer = l;
            ParallelFor heads = b == 1 ? parallel : ParallelFor.SERIAL;
            parallel.forEach(b, i -> {
                Session s = sessions.get(i);
                Attention.forward(s.rope(), s.caches()[layer], row(a.q, i, c.queryDim()), row(a.kNew, i, c.kvDim()),
                        row(a.vNew, i, c.kvDim()), s.length(), 1, row(a.att, i, c.queryDim()), heads);
            });
            projections.project(lw.wo(), a.att, b, a.xb);
            k.add(a.x, 0, a.x, 0, a.xb, 0, b * dim);
            a.normRows(lw.ffnNorm(), 0, b);
            projections.projectGroup(lw.gateUp(), a.xb, b, a.gateUp());
            k.swiglu(a.gate, 0, a.gate, 0, a.up, 0, b * c.hiddenDim());
            projections.project(lw.ffnDown(), a.gate, b, a.xb);
            k.add(a.x, 0, a.x, 0, a.xb, 0, b * dim);
        }
        a.normRows(w.outputNorm(), 0, b);
        projections.project(w.output(), a.xb, b, logits);
        for (int i = 0; i < b; i++) {
            sessions.get(i).recordDecoded(ids[i]);
        }
    }

    private static MemorySegment row(MemorySegment s, int r, int width) {
        return s.asSlice((long) r * width * Float.BYTES, (long) width * Float.BYTES);
    }

    @Override
    public void close() {
        arena.close();
    }
}
