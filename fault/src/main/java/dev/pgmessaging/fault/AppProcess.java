package dev.pgmessaging.fault;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.pgmessaging.deployment.faults.TcpProxy;

/**
 * One process of the fault suite's application: its role (consumer or producer), the database role
 * it connects as, its HTTP port (health) and the TCP proxy its connections go through.
 */
final class AppProcess {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String name;
    final String role;
    final String user;
    final int httpPort;
    final TcpProxy proxy;
    private final String password;
    private final String databaseUrl;
    private final Path jar;
    private final Path log;
    private final List<String> options;
    private Process process;
    private int starts;

    AppProcess(String name, String role, String user, String password, int httpPort, TcpProxy proxy, String databaseUrl,
            Path jar, Path logs, List<String> options) {
        this.name = name;
        this.role = role;
        this.user = user;
        this.password = password;
        this.httpPort = httpPort;
        this.proxy = proxy;
        this.databaseUrl = databaseUrl;
        this.jar = jar;
        this.log = logs.resolve(name + ".log");
        this.options = options;
    }

    void start() throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1",
                "-Dquarkus.profile=" + role,
                "-Dfault.process=" + name,
                "-Dquarkus.http.port=" + httpPort,
                "-Dquarkus.datasource.jdbc.url=" + proxy.url(databaseUrl),
                "-Dquarkus.datasource.username=" + user,
                "-Dquarkus.datasource.password=" + password));
        command.addAll(options);
        command.addAll(List.of("-jar", jar.toString()));
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        starts++;
    }

    /** SIGKILL: no shutdown hook, no graceful stop. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM: the application stops gracefully. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            kill();
        }
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** How many times the suite started it (1 unless it was killed). */
    int starts() {
        return starts;
    }

    boolean ready() {
        return alive() && healthy("/q/health/ready");
    }

    boolean live() {
        return alive() && healthy("/q/health/live");
    }

    private boolean healthy(String path) {
        try {
            HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public String toString() {
        return name + " (" + role + ", as " + user + ")";
    }
}
