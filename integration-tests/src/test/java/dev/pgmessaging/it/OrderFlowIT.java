package dev.pgmessaging.it;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same flow against the packaged application (the native executable with -Dnative). */
@QuarkusIntegrationTest
class OrderFlowIT extends OrderFlowTest {
}
