package dev.pgmessaging.admin.deployment;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.pgmessaging.runtime.api.IncomingQueueMetadata;
import io.quarkus.test.QuarkusUnitTest;

/** The application of the admin tests that need a secured application with dead letters and a consumer group. */
final class AdminTestApplication {

    private AdminTestApplication() {
    }

    /**
     * An application with a security extension (users ops, with the role, and viewer, without it), a
     * queue consumer that fails until told otherwise (max-attempts 1: dead letters at once) and a topic
     * read by the group counters.
     */
    static QuarkusUnitTest of(String schema) {
        return new QuarkusUnitTest()
                .withApplicationRoot(jar -> jar.addClasses(AdminTestApplication.class, Jobs.class))
                .overrideConfigKey("quarkus.messaging.postgres.schema", schema)
                .overrideConfigKey("quarkus.http.auth.basic", "true")
                .overrideConfigKey("quarkus.security.users.embedded.enabled", "true")
                .overrideConfigKey("quarkus.security.users.embedded.plain-text", "true")
                .overrideConfigKey("quarkus.security.users.embedded.users.ops", "ops")
                .overrideConfigKey("quarkus.security.users.embedded.roles.ops", "pgmessaging-admin")
                .overrideConfigKey("quarkus.security.users.embedded.users.viewer", "viewer")
                .overrideConfigKey("quarkus.security.users.embedded.roles.viewer", "user")
                .overrideConfigKey("mp.messaging.outgoing.to-work.queue", "work")
                .overrideConfigKey("mp.messaging.incoming.work.queue", "work")
                .overrideConfigKey("mp.messaging.incoming.work.max-attempts", "1")
                .overrideConfigKey("mp.messaging.outgoing.clicks-out.topic", "clicks")
                .overrideConfigKey("mp.messaging.incoming.clicks.topic", "clicks")
                .overrideConfigKey("mp.messaging.incoming.clicks.group.id", "counters")
                .overrideConfigKey("quarkus.log.category.\"io.smallrye.reactive.messaging.provider\".level", "OFF");
    }

    @ApplicationScoped
    public static class Jobs {
        private volatile boolean fail = true;
        private final AtomicInteger failures = new AtomicInteger();
        private final Map<Long, String> handled = new ConcurrentHashMap<>();
        private final Map<String, Integer> byPayload = new ConcurrentHashMap<>();

        @Inject
        @Channel("to-work")
        Emitter<String> work;
        @Inject
        @Channel("clicks-out")
        Emitter<String> clicks;

        void send(String job) {
            work.send(job);
        }

        void click(String click) {
            clicks.send(click);
        }

        int failures() {
            return failures.get();
        }

        void succeed() {
            fail = false;
        }

        Map<Long, String> handled() {
            return handled;
        }

        Map<String, Integer> byPayload() {
            return byPayload;
        }

        @Incoming("work")
        void work(String job, IncomingQueueMetadata metadata) {
            if (fail) {
                failures.incrementAndGet();
                throw new IllegalStateException("not yet");
            }
            handled.put(metadata.id(), job);
            byPayload.merge(job, 1, Integer::sum);
        }

        @Incoming("clicks")
        void onClick(String click) {
        }
    }
}
