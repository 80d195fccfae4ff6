package dev.pgmessaging.runtime.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class SeekToTest {

    @Test
    void parsesEveryForm() {
        assertEquals("earliest", SeekTo.parse("earliest").kind());
        assertEquals("latest", SeekTo.parse("latest").kind());
        SeekTo offset = SeekTo.parse("1200");
        assertEquals("offset", offset.kind());
        assertEquals(1200, offset.offset());
        SeekTo time = SeekTo.parse("2026-11-28T10:15:30Z");
        assertEquals("time", time.kind());
        assertEquals(Instant.parse("2026-11-28T10:15:30Z"), time.time());
        assertEquals("time 2026-11-28T10:15:30Z", time.toString());
    }

    @Test
    void saysWhatItTakes() {
        for (String bad : new String[] { "", "first", "2026-11-28", "12.5" }) {
            assertEquals("it must be earliest, latest, an offset or an ISO-8601 instant such as 2026-11-28T10:15:30Z",
                    assertThrows(IllegalArgumentException.class, () -> SeekTo.parse(bad)).getMessage(), bad);
        }
    }
}
