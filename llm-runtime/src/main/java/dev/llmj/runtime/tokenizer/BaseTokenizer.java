package dev.llmj.runtime.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * What SentencePiece and byte-level BPE tokenizers share: special-token partitioning, BOS/EOS
 * handling, id validation and decoding from precomputed piece bytes.
 */
abstract sealed class BaseTokenizer implements Tokenizer permits SpmTokenizer, BpeTokenizer {
    private static final byte[] EMPTY = new byte[0];

    protected final Vocabulary vocab;
    private final SpecialTokens specials;
    private final byte[][] pieces;

    BaseTokenizer(Vocabulary vocab) {
        this.vocab = vocab;
        this.specials = new SpecialTokens(vocab);
        this.pieces = new byte[vocab.size()][];
        for (int id = 0; id < pieces.length; id++) {
            byte[] p = computePiece(id);
            pieces[id] = p.length == 0 ? EMPTY : p;
        }
    }

    /** The bytes a token decodes to; called once per id at construction. */
    protected abstract byte[] computePiece(int id);

    /**
     * Encodes one run of plain text (no special tokens in it) and appends the ids to {@code out}.
     * {@code afterSpecial} is true at the start of the input and right after a special token.
     */
    protected abstract void encodeText(String text, boolean afterSpecial, IntList out);

    /** Whether decode drops the leading space of the first text-producing piece. */
    protected boolean stripsDummyPrefix() {
        return false;
    }

    @Override
    public final Vocabulary vocabulary() {
        return vocab;
    }

    @Override
    public final int[] encode(String text, boolean addBos) {
        if (addBos && vocab.bos() == Vocabulary.NONE) {
            throw new IllegalStateException("the vocabulary has no BOS token: " + vocab);
        }
        return encode(text, addBos, false, false);
    }

    @Override
    public final int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        boolean bos = addSpecial && vocab.addBos() && vocab.bos() != Vocabulary.NONE;
        boolean eos = addSpecial && vocab.addEos() && vocab.eos() != Vocabulary.NONE;
        return encode(text, bos, eos, parseSpecial);
    }

    private int[] encode(String text, boolean bos, boolean eos, boolean parseSpecial) {
        IntList out = new IntList(text.length() / 3 + 2);
        if (bos) {
            out.add(vocab.bos());
        }
        boolean afterSpecial = true;
        for (SpecialTokens.Fragment f : specials.partition(text, parseSpecial)) {
            if (f.isToken()) {
                out.add(f.token());
                afterSpecial = true;
            } else {
                encodeText(f.text(), afterSpecial, out);
                afterSpecial = false;
            }
        }
        if (eos) {
            out.add(vocab.eos());
        }
        return out.toArray();
    }

    final void checkId(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException(
                    "token id " + id + " is outside the vocabulary (size " + pieces.length + ", ids 0.."
                            + (pieces.length - 1) + ")");
        }
    }

    @Override
    public final byte[] pieceBytes(int id) {
        checkId(id);
        return pieces[id].clone();
    }

    /** The shared piece array for {@code id} (callers must not modify it). */
    final byte[] pieceView(int id) {
        checkId(id);
        return pieces[id];
    }

    @Override
    public final String decode(int[] ids) {
        for (int id : ids) {
            checkId(id);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        boolean strip = stripsDummyPrefix();
        for (int id : ids) {
            byte[] p = pieces[id];
            if (p.length == 0) {
                continue; // control tokens do not consume the dummy prefix
            }
            int from = strip && p[0] == ' ' ? 1 : 0;
            strip = false;
            out.write(p, from, p.length - from);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
