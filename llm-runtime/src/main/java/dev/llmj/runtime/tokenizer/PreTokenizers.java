package dev.llmj.runtime.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The regex pre-tokenizers of byte-level BPE vocabularies, by {@code tokenizer.ggml.pre} name.
 *
 * <p>As in llama.cpp ({@code unicode_regex_split}), a pre-tokenizer is a list of stages; each
 * stage splits every chunk left by the previous one in isolation (anchors and look-arounds do not
 * see past the chunk), and both the matches and the gaps between them become chunks.
 *
 * <p>Whitespace is llama.cpp's set (ASCII \t\n\v\f\r and space plus U+0085, U+00A0, U+1680,
 * U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000); Java's {@code \s} is ASCII-only, so
 * patterns use {@link #WS} instead. {@code \p{L}}, {@code \p{N}}, {@code \p{P}} are Java's Unicode
 * categories (llama.cpp's tables may differ for characters added in newer Unicode versions).
 */
final class PreTokenizers {
    private PreTokenizers() {}

    /** Character-class body for llama.cpp's whitespace set. */
    static final String WS = "\\t\\n\\x0B\\f\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}"
            + "\\x{202F}\\x{205F}\\x{3000}";

    /** One splitting stage: refines chunk ends {@code in} (UTF-16 offsets into text) into {@code out}. */
    interface Stage {
        void split(String text, int chunkStart, int chunkEnd, IntList out);
    }

    /** Splits text into pre-tokens by running the stages in order. */
    record PreTokenizer(String name, List<Stage> stages) {
        List<String> split(String text) {
            IntList ends = new IntList(4);
            if (!text.isEmpty()) {
                ends.add(text.length());
            }
            for (Stage stage : stages) {
                IntList next = new IntList(ends.size() * 2 + 4);
                int start = 0;
                for (int i = 0; i < ends.size(); i++) {
                    stage.split(text, start, ends.get(i), next);
                    start = ends.get(i);
                }
                ends = next;
            }
            List<String> words = new ArrayList<>(ends.size());
            int start = 0;
            for (int i = 0; i < ends.size(); i++) {
                words.add(text.substring(start, ends.get(i)));
                start = ends.get(i);
            }
            return words;
        }
    }

    /** The pre-tokenizer for a {@code tokenizer.ggml.pre} name. */
    static PreTokenizer forName(String pre) {
        List<Stage> stages = switch (pre) {
            case "gpt-2", "mpt", "olmo", "jais" -> List.of(GPT2);
            case "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva" ->
                    List.of(regex("\\p{N}"), GPT2);
            case "falcon" -> List.of(regex("[\\p{P}$+<=>^~|`]+"), GPT2, regex("[0-9][0-9][0-9]"));
            case "default" -> List.of(regex("[\\p{P}$+<=>^~|]+"), GPT2, regex("\\p{N}+"), regex("[0-9][0-9][0-9]"));
            case "deepseek-llm" -> List.of(
                    regex("[\\r\\n]"),
                    // Cased letters (Lu, Ll, Lt) as in DeepSeek's tokenizer.json, written as code points because
                    // several of them (U+1FD3, U+2126, U+212A, ...) are not NFC-stable in source text.
                    regex("[" + WS + "]?["
                            + "A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}\\x{1BC}-\\x{1BF}"
                            + "\\x{1C4}-\\x{293}\\x{295}-\\x{2AF}\\x{370}-\\x{373}\\x{376}-\\x{377}"
                            + "\\x{37B}-\\x{37D}\\x{37F}\\x{386}\\x{388}-\\x{38A}\\x{38C}\\x{38E}-\\x{3A1}"
                            + "\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}\\x{48A}-\\x{52F}\\x{531}-\\x{556}"
                            + "\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}"
                            + "\\x{1CBD}-\\x{1CBF}\\x{1D00}-\\x{1D2B}\\x{1D6B}-\\x{1D77}\\x{1D79}-\\x{1D9A}"
                            + "\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}"
                            + "\\x{1F50}-\\x{1F57}\\x{1F59}\\x{1F5B}\\x{1F5D}\\x{1F5F}-\\x{1F7D}"
                            + "\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}\\x{1FC2}-\\x{1FC4}"
                            + "\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{1FD3}\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}"
                            + "\\x{1FF2}-\\x{1FF4}\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}\\x{210A}-\\x{2113}"
                            + "\\x{2115}\\x{2119}-\\x{211D}\\x{2124}\\x{2126}\\x{2128}\\x{212A}-\\x{212D}"
                            + "\\x{212F}-\\x{2134}\\x{2139}\\x{213C}-\\x{213F}\\x{2145}-\\x{2149}\\x{214E}"
                            + "\\x{2183}-\\x{2184}\\x{2C00}-\\x{2C7B}\\x{2C7E}-\\x{2CE4}\\x{2CEB}-\\x{2CEE}"
                            + "\\x{2CF2}-\\x{2CF3}\\x{A640}-\\x{A66D}\\x{A680}-\\x{A69B}\\x{A722}-\\x{A76F}"
                            + "\\x{A771}-\\x{A787}\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}\\x{FB00}-\\x{FB06}"
                            + "\\x{FB13}-\\x{FB17}\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}"
                            + "\\x{104B0}-\\x{104D3}\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}"
                            + "\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}\\x{1E900}-\\x{1E943}" + "]+"),
                    regex("[" + WS + "]?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+"),
                    regex("[" + WS + "]+\\z"),
                    regex("[\\x{4E00}-\\x{9FA5}\\x{0800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+"),
                    regex("\\p{N}+"));
            case "llama3", "llama-bpe" -> List.of(regex(
                    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
                            + "|\\p{N}{1,3}| ?[^" + WS + "\\p{L}\\p{N}]+[\\r\\n]*|[" + WS + "]*[\\r\\n]+"
                            + "|[" + WS + "]+(?![^" + WS + "])|[" + WS + "]+"));
            default -> throw new UnsupportedOperationException("pre-tokenizer \"" + pre
                    + "\" is not implemented (known: gpt-2, starcoder, falcon, deepseek-llm, llama3, default)");
        };
        return new PreTokenizer(pre, stages);
    }

    /** A regex stage: matches and the gaps between them become chunks. */
    static Stage regex(String pattern) {
        Pattern p = Pattern.compile(pattern);
        return (text, a, b, out) -> {
            // Opaque, anchoring bounds: the chunk is the whole world, as in llama.cpp.
            Matcher m = p.matcher(text).region(a, b);
            int prevEnd = a;
            while (m.find()) {
                if (m.end() == m.start()) {
                    continue; // none of the patterns can match empty; guard anyway
                }
                if (m.start() > prevEnd) {
                    out.add(m.start());
                }
                out.add(m.end());
                prevEnd = m.end();
            }
            if (prevEnd < b) {
                out.add(b);
            }
        };
    }

    private static final int LETTER = 1, NUMBER = 2, SPACE = 4, ANY = 8;

    /** llama.cpp-style category flags of the code point at {@code pos}; 0 outside [a, b). */
    private static int flags(String s, int pos, int a, int b) {
        if (pos < a || pos >= b) {
            return 0;
        }
        int cp = s.codePointAt(pos);
        int f = ANY;
        if (Character.isLetter(cp)) {
            f |= LETTER;
        }
        int t = Character.getType(cp);
        if (t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER) {
            f |= NUMBER;
        }
        if (isWhitespace(cp)) {
            f |= SPACE;
        }
        return f;
    }

    static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    /**
     * The GPT-2 pattern {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}
     * written out by hand, as llama.cpp does (its std::regex cannot express the look-ahead).
     */
    static final Stage GPT2 = (s, a, b, out) -> {
        int pos = a;
        while (pos < b) {
            int cp = s.codePointAt(pos);
            if (cp == '\'' && pos + 1 < b) {
                char c1 = s.charAt(pos + 1);
                if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') {
                    pos += 2;
                    out.add(pos);
                    continue;
                }
                if (pos + 2 < b) {
                    char c2 = s.charAt(pos + 2);
                    if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
                        pos += 3;
                        out.add(pos);
                        continue;
                    }
                }
            }
            int lead = cp == ' ' ? pos + 1 : pos;
            int f = flags(s, lead, a, b);
            int kind = (f & LETTER) != 0 ? LETTER
                    : (f & NUMBER) != 0 ? NUMBER
                    : (f != 0 && (f & SPACE) == 0) ? ANY : 0;
            if (kind != 0) {
                pos = lead;
                while (pos < b && matchesRun(kind, flags(s, pos, a, b))) {
                    pos += Character.charCount(s.codePointAt(pos));
                }
                out.add(pos);
                continue;
            }
            int end = pos;
            int spaces = 0;
            while ((flags(s, end, a, b) & SPACE) != 0) {
                end++; // every whitespace code point is in the BMP
                spaces++;
            }
            if (spaces > 1 && end < b) {
                pos = end - 1; // \s+(?!\S): leave the last space to prefix the next word
                out.add(pos);
                continue;
            }
            if (spaces > 0) {
                pos = end;
                out.add(pos);
                continue;
            }
            pos += Character.charCount(cp); // no alternative matches: a chunk of its own
            out.add(pos);
        }
    };

    private static boolean matchesRun(int kind, int f) {
        return switch (kind) {
            case LETTER -> (f & LETTER) != 0;
            case NUMBER -> (f & NUMBER) != 0;
            default -> f != 0 && (f & (LETTER | NUMBER | SPACE)) == 0;
        };
    }
}
