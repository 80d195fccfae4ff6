package dev.pgmessaging.admin.deployment;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusUnitTest;

/**
 * The console in a real browser: Debian's headless Chromium, driven by playwright-core
 * ({@code browser-tests/console.test.mjs}), opens the page, sees three dead letters of the queue
 * "work", peeks at them with their reasons, redrives them with one click, and sees them consumed;
 * then pauses the channel and resumes it.
 * {@code .ci/run} installs Chromium and playwright-core and sets PGMESSAGING_BROWSER_TESTS=required;
 * elsewhere the test is skipped when they are missing.
 */
class ConsoleBrowserTest {

    /** browser-tests/ at the top of the project (a system property set by the build). */
    static final Path SCRIPT_DIRECTORY = Path.of(System.getProperty("pgmessaging.browser-tests", "../../browser-tests"));

    @RegisterExtension
    static final QuarkusUnitTest app = AdminTestApplication.of("console_browser_test");

    @Inject
    AdminTestApplication.Jobs jobs;

    @Test
    void seeRedriveAndConsumeDeadLettersInTheBrowser() throws Exception {
        boolean ready = Files.isExecutable(Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium")))
                && Files.isDirectory(SCRIPT_DIRECTORY.resolve("node_modules/playwright-core"));
        if (!ready && !"required".equals(System.getenv("PGMESSAGING_BROWSER_TESTS"))) {
            Assumptions.abort("needs /usr/bin/chromium and `npm ci` in " + SCRIPT_DIRECTORY + " (.ci/run does both)");
        }
        for (int i = 0; i < 3; i++) {
            jobs.send("job-" + i);
        }
        // the handler fails until the test says otherwise: three dead letters to see in the page
        await().atMost(Duration.ofSeconds(20)).until(() -> jobs.failures() == 3);
        jobs.succeed();

        Path screenshot = Path.of("target/console-browser-test.png");
        Process browser = new ProcessBuilder(List.of("node", "console.test.mjs", "http://localhost:8081/q/pgmessaging/",
                "ops", "ops", screenshot.toAbsolutePath().toString()))
                .directory(SCRIPT_DIRECTORY.toFile()).redirectErrorStream(true).start();
        String output;
        try {
            if (!browser.waitFor(2, TimeUnit.MINUTES)) {
                browser.destroyForcibly();
            }
        } finally {
            output = new String(browser.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals(0, browser.exitValue(), "the browser script failed:\n" + output);
        await().atMost(Duration.ofSeconds(10)).until(() -> jobs.handled().size() == 3);
    }
}
