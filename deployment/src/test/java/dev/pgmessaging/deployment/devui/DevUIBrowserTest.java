package dev.pgmessaging.deployment.devui;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusDevModeTest;

/**
 * The Dev UI card in a real browser: Debian's headless Chromium, driven by playwright-core
 * ({@code browser-tests/devui.test.mjs}), opens the card's pages of an application in dev mode,
 * redrives a dead letter with one click and sees it consumed, pauses and resumes a channel, and
 * reads the exchange's binding and the group's lag. {@code .ci/run} installs Chromium and
 * playwright-core and sets PGMESSAGING_BROWSER_TESTS=required; elsewhere the test is skipped when
 * they are missing.
 */
class DevUIBrowserTest {

    /** browser-tests/ at the top of the project (a system property set by the build). */
    static final Path SCRIPT_DIRECTORY = Path.of(System.getProperty("pgmessaging.browser-tests", "../browser-tests"));

    @RegisterExtension
    static final QuarkusDevModeTest app = new QuarkusDevModeTest()
            .withApplicationRoot(jar -> jar.addClasses(DevShop.class)
                    .addAsResource(DevShop.properties("devui_browser_test"), "application.properties"));

    @Test
    void redriveAndPauseFromTheCard() throws Exception {
        boolean ready = Files.isExecutable(Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium")))
                && Files.isDirectory(SCRIPT_DIRECTORY.resolve("node_modules/playwright-core"));
        if (!ready && !"required".equals(System.getenv("PGMESSAGING_BROWSER_TESTS"))) {
            Assumptions.abort("needs /usr/bin/chromium and `npm ci` in " + SCRIPT_DIRECTORY + " (.ci/run does both)");
        }
        Path screenshot = Path.of("target/devui-browser-test.png");
        Process browser = new ProcessBuilder(List.of("node", "devui.test.mjs",
                "http://localhost:8080/q/dev-ui/quarkus-messaging-postgres", screenshot.toAbsolutePath().toString()))
                .directory(SCRIPT_DIRECTORY.toFile()).redirectErrorStream(true).start();
        String output;
        try {
            if (!browser.waitFor(3, TimeUnit.MINUTES)) {
                browser.destroyForcibly();
            }
        } finally {
            output = new String(browser.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals(0, browser.exitValue(), "the browser script failed:\n" + output);
    }
}
