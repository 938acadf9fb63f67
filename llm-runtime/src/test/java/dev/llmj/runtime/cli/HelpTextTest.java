package dev.llmj.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Every command's {@code --help} renders without picocli complaining about its text: a bare
 * {@code %} in a description is read as a format specifier, and picocli then prints a warning
 * to standard error on every help request (bench's "2 % of the run's time" did).
 */
class HelpTextTest {
    @Test
    void everyCommandsHelpRendersWithoutWarnings() {
        for (String name : LlmCommand.commandLine().getSubcommands().keySet()) {
            PrintStream savedErr = System.err;
            ByteArrayOutputStream stray = new ByteArrayOutputStream();
            CliRunner.Result r;
            try (PrintStream capture = new PrintStream(stray, true, StandardCharsets.UTF_8)) {
                System.setErr(capture);
                r = CliRunner.run(name, "--help");
            } finally {
                System.setErr(savedErr);
            }
            String warnings = stray.toString(StandardCharsets.UTF_8) + r.err();
            assertEquals(0, r.exitCode(), name + " --help: exit code");
            assertTrue(r.out().contains("Usage: llm " + name), name + " --help printed: " + r.out());
            assertFalse(warnings.contains("WARN"), name + " --help warned: " + warnings);
        }
    }
}
