package dev.llmj.runtime.tokenizer;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;

/**
 * Splits input text around literal occurrences of special tokens before the model's algorithm
 * runs (llama.cpp's {@code tokenizer_st_partition}). User-defined tokens are always matched;
 * control and unknown tokens only when {@code parseSpecial}. Longer tokens are matched first.
 *
 * <p>Not implemented: llama.cpp's per-token lstrip/rstrip attributes (set by model name for a
 * few families such as Phi-3); they only matter when special-token text appears in the input.
 */
final class SpecialTokens {
    /** A piece of the partitioned input: either raw text or one special token id. */
    record Fragment(String text, int token) {
        boolean isToken() {
            return text == null;
        }
    }

    private final Vocabulary vocab;
    private final int[] candidates; // special token ids, longest text first

    SpecialTokens(Vocabulary vocab) {
        this.vocab = vocab;
        List<Integer> ids = new ArrayList<>();
        for (int id = 0; id < vocab.size(); id++) {
            TokenType t = vocab.type(id);
            boolean special = t == TokenType.CONTROL || t == TokenType.USER_DEFINED || t == TokenType.UNKNOWN;
            if (special && !vocab.token(id).isEmpty()) {
                ids.add(id);
            }
        }
        ids.sort(Comparator.comparingInt((Integer id) -> -vocab.token(id).length()).thenComparingInt(id -> id));
        this.candidates = ids.stream().mapToInt(Integer::intValue).toArray();
    }

    List<Fragment> partition(String text, boolean parseSpecial) {
        List<Fragment> frags = new ArrayList<>();
        if (text.isEmpty()) {
            return frags;
        }
        frags.add(new Fragment(text, -1));
        if (candidates.length == 0) {
            return frags;
        }
        // A token can only occur if its first char does: skips most of a large added-token list.
        BitSet present = new BitSet(1 << 16);
        for (int i = 0; i < text.length(); i++) {
            present.set(text.charAt(i));
        }
        for (int id : candidates) {
            TokenType t = vocab.type(id);
            if (!parseSpecial && t != TokenType.USER_DEFINED) {
                continue;
            }
            String tok = vocab.token(id);
            if (!present.get(tok.charAt(0))) {
                continue;
            }
            List<Fragment> next = new ArrayList<>(frags.size() + 4);
            for (Fragment f : frags) {
                if (f.isToken()) {
                    next.add(f);
                    continue;
                }
                String s = f.text();
                int from = 0;
                int at;
                while ((at = s.indexOf(tok, from)) >= 0) {
                    if (at > from) {
                        next.add(new Fragment(s.substring(from, at), -1));
                    }
                    next.add(new Fragment(null, id));
                    from = at + tok.length();
                }
                if (from == 0) {
                    next.add(f);
                } else if (from < s.length()) {
                    next.add(new Fragment(s.substring(from), -1));
                }
            }
            frags = next;
        }
        return frags;
    }
}
