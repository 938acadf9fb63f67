package dev.llmj.runtime.model;

import dev.llmj.rope.PairLayout;
import dev.llmj.rope.RopeScheme;

/**
 * Hyper-parameters of a Llama-family model, whatever file it came from.
 *
 * @param architecture  {@code llama} or {@code qwen2}
 * @param contextLength the length the model was trained at (GGUF {@code context_length}, llama2.c
 *                      {@code seq_len}); longer sessions are allowed and are what the rope schemes are for
 * @param ropeDims      rotary dimensions per head (≤ headDim)
 * @param ropeScheme    the scheme the file asks for (plain RoPE unless {@code rope.scaling.*} says otherwise)
 * @param ropeTrainingLength L for the rope schemes ({@code rope.scaling.original_context_length} or contextLength)
 */
public record ModelConfig(
        String architecture, int dim, int hiddenDim, int nLayers, int nHeads, int nKvHeads, int headDim,
        int vocabSize, int contextLength, float normEps, int ropeDims, double ropeBase, PairLayout pairLayout,
        RopeScheme ropeScheme, int ropeTrainingLength, boolean qkvBias) {

    public int kvDim() {
        return nKvHeads * headDim;
    }

    public int queryDim() {
        return nHeads * headDim;
    }
}
