/**
 * GGUF (v2/v3) files: {@link dev.llmj.tensor.gguf.GgufFile} maps and validates one (metadata,
 * tensor table, zero-copy {@link dev.llmj.tensor.Tensor} views); {@link dev.llmj.tensor.gguf.GgufWriter}
 * writes v3 files laid out exactly as llama.cpp writes them.
 *
 * <p>Reading policy, decided once here:
 * <ul>
 *   <li>Every malformation is a {@link dev.llmj.tensor.ModelFormatException} naming the field
 *       (e.g. {@code metadata["tokenizer.ggml.tokens"][1234].length},
 *       {@code tensor[3] "blk.0.attn_q.weight".offset}) and its byte offset. Counts and lengths are
 *       checked against the bytes that remain before anything is allocated.</li>
 *   <li>Strings must be valid UTF-8; invalid bytes are rejected, not replaced, because a
 *       tokenizer needs a vocabulary's exact bytes.</li>
 *   <li>Tensor offsets must be multiples of the alignment, inside the file and must not overlap;
 *       unlike llama.cpp we do not require them to be packed in table order.</li>
 *   <li>n_dims is 1..4 (GGML_MAX_DIMS), each dimension positive, element and byte counts fit in a
 *       long, and a block-quantized row (ne[0]) is a whole number of blocks.</li>
 *   <li>Arrays may nest up to {@link dev.llmj.tensor.gguf.GgufReader#MAX_ARRAY_DEPTH} levels;
 *       duplicate keys and duplicate tensor names are errors; BOOL bytes must be 0 or 1.</li>
 * </ul>
 */
package dev.llmj.tensor.gguf;
