package dev.pgmessaging.it;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Gives each test class its own messaging schema, so tests never see each other's messages. */
public abstract class OwnSchema implements QuarkusTestProfile {

    private final String schema;

    protected OwnSchema(String schema) {
        this.schema = schema;
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.messaging.postgres.schema", schema);
    }

    public static class OrderFlow extends OwnSchema {
        public OrderFlow() {
            super("order_flow_test");
        }
    }

    public static class Outbox extends OwnSchema {
        public Outbox() {
            super("outbox_test");
        }
    }

    public static class ExactlyOnce extends OwnSchema {
        public ExactlyOnce() {
            super("exactly_once_test");
        }
    }

    public static class AdminConsole extends OwnSchema {
        public AdminConsole() {
            super("admin_console_test");
        }
    }
}
