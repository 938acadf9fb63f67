package dev.llmj.runtime.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmj.runtime.server.ChatTemplate.Style;
import dev.llmj.runtime.server.GenerationRequest.ChatMessage;
import dev.llmj.runtime.tokenizer.Tokenizer;
import dev.llmj.runtime.tokenizer.Tokenizers;
import dev.llmj.runtime.tokenizer.Vocabulary;
import dev.llmj.tensor.gguf.GgufFile;
import dev.llmj.testsupport.SharedAssets;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Template recognition by markers, the layouts produced, and control-token encoding on a real vocabulary. */
class ChatTemplateTest {
    static final List<ChatMessage> CONVERSATION = List.of(
            new ChatMessage("system", "Be brief."),
            new ChatMessage("user", "Hi"),
            new ChatMessage("assistant", "Hello."),
            new ChatMessage("user", " Bye "));

    @Test
    void recognisesTheFamiliesByTheirMarkers() {
        assertEquals(Style.CHATML, ChatTemplate.recognise("{{ '<|im_start|>' + m.role }}").style());
        assertEquals(Style.LLAMA3, ChatTemplate.recognise("{{ '<|start_header_id|>' }}{{ '<|eot_id|>' }}").style());
        assertEquals(Style.PHI3, ChatTemplate.recognise("{{ '<|user|>' + c + '<|end|>' }}").style());
        assertEquals(Style.LLAMA2, ChatTemplate.recognise("{{ bos_token + '[INST] ' + c + ' [/INST]' }}").style());
        assertEquals(Style.PLAIN, ChatTemplate.recognise("{{ messages | tojson }}").style());
        assertEquals(Style.PLAIN, ChatTemplate.recognise(null).style());
        assertEquals(Style.PLAIN, ChatTemplate.recognise("  ").style());
    }

    @Test
    void rendersEachLayout() {
        assertEquals("<s><|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                        + "<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\n Bye <|im_end|>\n<|im_start|>assistant\n",
                ChatTemplate.recognise("<|im_start|>").render(CONVERSATION, "<s>"));
        assertEquals("<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n",
                ChatTemplate.recognise("<|start_header_id|>").render(CONVERSATION, ""));
        assertEquals("<s><|user|>\nBe brief.\n\nHi<|end|>\n<|assistant|>\nHello.<|end|>\n<|user|>\n Bye <|end|>\n<|assistant|>\n",
                ChatTemplate.recognise("<|user|><|end|>").render(CONVERSATION, "<s>"));
        assertEquals("<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\n",
                ChatTemplate.recognise("<|system|><|user|><|end|>").render(CONVERSATION.subList(0, 2), ""));
        assertEquals("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello.</s><s>[INST] Bye [/INST]",
                ChatTemplate.recognise("[INST] <<SYS>>").render(CONVERSATION, "<s>"));
        assertEquals("<s>[INST] Be brief.\n\nHi [/INST] Hello.</s><s>[INST] Bye [/INST]",
                ChatTemplate.recognise("[INST]").render(CONVERSATION, "<s>"));
        ChatTemplate plain = ChatTemplate.recognise(null);
        assertEquals("System: Be brief.\nUser: Hi\nAssistant: Hello.\nUser:  Bye \nAssistant:", plain.render(CONVERSATION, ""));
        assertEquals(List.of("\nUser:"), plain.stopStrings());
    }

    /** The phi-3 vocabulary from llama.cpp's test set carries a real template, read from the file. */
    @Test
    void phi3TemplateFromAGgufEncodesControlTokens() throws Exception {
        Path file = SharedAssets.require("vocab/ggml-vocab-phi-3.gguf");
        ChatTemplate t = ChatTemplate.recognise(ChatTemplate.readFromModelFile(file).orElseThrow());
        assertEquals(Style.PHI3, t.style());
        Tokenizer tok;
        try (Arena arena = Arena.ofConfined()) {
            tok = Tokenizers.fromGguf(GgufFile.open(file, arena));
        }
        Vocabulary v = tok.vocabulary();
        int user = v.id("<|user|>");
        int end = v.id("<|end|>");
        int assistant = v.id("<|assistant|>");
        assertTrue(user >= 0 && end >= 0 && assistant >= 0);
        int[] ids = t.encode(tok, List.of(new ChatMessage("user", "Hi")));
        // BOS, <|user|>, text of "\nHi", <|end|>, text of "\n", <|assistant|>, text of "\n": the markers are
        // single control tokens, not their spelling.
        assertEquals(v.bos(), ids[0], Arrays.toString(ids));
        assertEquals(user, ids[1], Arrays.toString(ids));
        int endAt = indexOf(ids, end);
        int assistantAt = indexOf(ids, assistant);
        assertTrue(endAt > 1 && assistantAt > endAt, Arrays.toString(ids));
        assertEquals("\nHi", tok.decode(Arrays.copyOfRange(ids, 2, endAt)).replaceFirst("^ ", ""));
        assertEquals(List.of(end), t.endOfTurnIds(v));
    }

    @Test
    void filesWithoutATemplateGiveNone(@TempDir Path tmp) throws Exception {
        assertTrue(ChatTemplate.readFromModelFile(LlmServerTest.EMBEDDED).isEmpty(), "the embedded model has none");
        Path notGguf = Files.writeString(tmp.resolve("model.bin"), "not a gguf");
        assertTrue(ChatTemplate.readFromModelFile(notGguf).isEmpty());
    }

    private static int indexOf(int[] a, int x) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == x) {
                return i;
            }
        }
        return -1;
    }
}
