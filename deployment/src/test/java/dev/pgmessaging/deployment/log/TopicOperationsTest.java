package dev.pgmessaging.deployment.log;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.pgmessaging.runtime.api.ConsumerGroupInfo;
import dev.pgmessaging.runtime.api.PostgresMessaging;
import dev.pgmessaging.runtime.api.SeekTo;
import dev.pgmessaging.runtime.api.TopicInfo;
import dev.pgmessaging.runtime.api.UnknownNameException;
import io.quarkus.test.QuarkusUnitTest;

/**
 * The admin API on topics: topics with their groups, a group's live members and lag, retention
 * changed, and a group deleted only once it has no live member.
 */
class TopicOperationsTest {

    static final String SCHEMA = "topic_operations_test";
    static final String DS = PostgresMessaging.DEFAULT_DATASOURCE;

    @RegisterExtension
    static final QuarkusUnitTest app = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Clicks.class))
            .overrideConfigKey("quarkus.messaging.postgres.schema", SCHEMA)
            .overrideConfigKey("mp.messaging.outgoing.clicks-out.topic", "clicks")
            .overrideConfigKey("mp.messaging.outgoing.clicks-out.partitions", "3")
            .overrideConfigKey("mp.messaging.incoming.clicks.topic", "clicks")
            .overrideConfigKey("mp.messaging.incoming.clicks.partitions", "3")
            .overrideConfigKey("mp.messaging.incoming.clicks.group.id", "counters")
            .overrideConfigKey("mp.messaging.incoming.clicks.session-timeout", "1s");

    @Inject
    Clicks clicks;
    @Inject
    PostgresMessaging messaging;

    @Test
    void listGroupsRetentionDeleteGroup() {
        for (int i = 0; i < 30; i++) {
            clicks.send("c" + i);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> clicks.count() == 30
                && messaging.group(DS, "counters", "clicks").lag() == 0);
        ConsumerGroupInfo counters = messaging.group(DS, "counters", "clicks");
        assertEquals(1, counters.liveMembers());
        assertEquals(3, counters.partitions().size());
        assertEquals(30, counters.partitions().stream().mapToLong(p -> p.logEndOffset()).sum());

        // a second group, moved by seek only: lag counts what it has yet to read
        messaging.seek(DS, "replayers", "clicks", null, SeekTo.earliest());
        ConsumerGroupInfo replayers = messaging.group(DS, "replayers", "clicks");
        assertEquals(0, replayers.liveMembers());
        assertEquals(30, replayers.lag());

        List<TopicInfo> topics = messaging.topics(DS);
        assertEquals(List.of(new TopicInfo("clicks", 3, Duration.ofDays(7), List.of("counters", "replayers"))), topics);
        messaging.setRetention(DS, "clicks", Duration.ofHours(36));
        assertEquals(Duration.ofHours(36), messaging.topics(DS).get(0).retention());
        messaging.setRetention(DS, "clicks", null);
        assertNull(messaging.topics(DS).get(0).retention(), "kept for ever");

        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> messaging.deleteGroup(DS, "counters", "clicks"));
        assertTrue(refused.getMessage().contains("live members"), refused.getMessage());
        messaging.deleteGroup(DS, "replayers", "clicks");
        assertEquals(List.of("counters"), messaging.topics(DS).get(0).groups());

        assertEquals("PGMSG1012: There is no topic nothing", assertThrows(UnknownNameException.class,
                () -> messaging.setRetention(DS, "nothing", Duration.ofDays(1))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> messaging.group(DS, "counters", "nothing"));
        assertThrows(IllegalArgumentException.class, () -> messaging.deleteGroup(DS, "counters", "nothing"));
    }

    @ApplicationScoped
    static class Clicks {
        private final java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();

        @Inject
        @Channel("clicks-out")
        Emitter<String> out;

        void send(String click) {
            out.send(click);
        }

        int count() {
            return count.get();
        }

        @Incoming("clicks")
        void receive(String click) {
            count.incrementAndGet();
        }
    }
}
