package dev.llmj.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code llm serve} flags: help and one-line errors before anything binds (the server itself is tested in server/). */
class ServeCommandTest {
    @Test
    void helpListsTheServerFlags() {
        CliRunner.Result r = CliRunner.run("serve", "--help");
        assertEquals(0, r.exitCode(), r.err());
        for (String flag : new String[] {"--host", "--port", "--max-sessions", "--max-queue", "--ctx", "--rope", "--model", "--threads"}) {
            assertTrue(r.out().contains(flag), flag + " in " + r.out());
        }
        assertTrue(CliRunner.run("--help").out().contains("serve"));
    }

    @Test
    void badFlagsAreOneLineErrorsNamingTheFlag() {
        CliRunner.Result sessions = CliRunner.run("serve", "--max-sessions", "0", "--port", "0");
        assertEquals(1, sessions.exitCode());
        assertTrue(sessions.err().contains("--max-sessions must be in 1..1024, got 0"), sessions.err());
        CliRunner.Result port = CliRunner.run("serve", "--port", "70000");
        assertTrue(port.err().contains("--port must be in 0..65535"), port.err());
        CliRunner.Result ctx = CliRunner.run("serve", "--ctx", "0", "--port", "0");
        assertTrue(ctx.err().contains("--ctx must be ≥ 1"), ctx.err());
        CliRunner.Result queue = CliRunner.run("serve", "--queue-timeout", "-1", "--port", "0");
        assertTrue(queue.err().contains("--queue-timeout"), queue.err());
        CliRunner.Result model = CliRunner.run("serve", "--model", "/nonexistent/m.gguf", "--port", "0");
        assertTrue(model.err().startsWith("llm serve: no such file"), model.err());
        CliRunner.Result rope = CliRunner.run("serve", "--rope", "warp:factor=2", "--port", "0",
                "--model", "../models/tinyshakespeare-f32.gguf");
        assertTrue(rope.err().contains("warp"), rope.err());
        assertEquals(2, CliRunner.run("serve", "--port", "many").exitCode());
        for (CliRunner.Result r : new CliRunner.Result[] {sessions, port, ctx, queue, model, rope}) {
            assertEquals(1, r.exitCode(), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
    }
}
