/**
 * Rotary position encodings and their length-extrapolation schemes.
 *
 * <p>Start from a scheme string ({@link dev.llmj.rope.RopeScheme#parse}, e.g. {@code yarn:factor=8},
 * {@code rerope:w=128+logn}) or GGUF metadata ({@link dev.llmj.rope.GgufRope}); resolve it for a
 * {@link dev.llmj.rope.RopeGeometry} at a length n into a {@link dev.llmj.rope.ResolvedRope}
 * (frequencies, q/k factor, logn scale, relative-position policy, cos/sin tables); then run
 * {@link dev.llmj.rope.attention.Attention#forward} with one {@link dev.llmj.rope.attention.KvCache}
 * per layer.
 *
 * <p>Conventions (matching the independent reference numbers in shared/reference): YaRN uses
 * β_fast 32 and β_slow 1 with the Hugging Face floor/ceil correction range and scales q and k by
 * 0.1·ln k + 1 (on their rotary dims, as HF folds it into cos/sin); llama3 uses low/high frequency
 * factors 1 and 4 with original length L; ntk-mixed uses β = 0.75; dynamic-ntk uses factor 1, base
 * b·(n/L)^(d/(d−2)) for the whole window of length n; {@code +logn} scales the query at 0-based
 * position m by max(1, ln(m+1)/ln L). A missing factor is max(1, n/L).
 */
package dev.llmj.rope;
