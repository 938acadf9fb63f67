package dev.llmj.tensor.llama2c;

/**
 * Hyper-parameters from a llama2.c checkpoint header.
 *
 * @param sharedClassifier true when the output classifier reuses the token embedding (the legacy
 *     format signals this with a positive vocab_size)
 */
public record Llama2cConfig(
        int dim, int hiddenDim, int nLayers, int nHeads, int nKvHeads, int vocabSize, int seqLen,
        boolean sharedClassifier) {

    public int headDim() {
        return dim / nHeads;
    }

    public int kvDim() {
        return headDim() * nKvHeads;
    }
}
