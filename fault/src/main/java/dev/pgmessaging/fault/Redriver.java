package dev.pgmessaging.fault;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.pgmessaging.runtime.api.MessageSelection;
import dev.pgmessaging.runtime.api.PostgresMessaging;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * An operator in every consumer process: every one to three seconds it redrives the dead letters of
 * the queue while the other processes consume it, are killed, and the database restarts. The checks
 * then find every poisoned job's effect exactly once, and the dead-letter queue empty.
 */
@ApplicationScoped
public class Redriver {

    private static final Logger LOG = Logger.getLogger(Redriver.class);

    @Inject
    PostgresMessaging messaging;
    @ConfigProperty(name = "fault.redrive.enabled", defaultValue = "true")
    boolean enabled;
    private volatile boolean running = true;
    private Thread thread;

    void start(@Observes StartupEvent event) {
        if (!enabled) {
            return;
        }
        thread = new Thread(this::run, "fault-redriver");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.interrupt();
            thread.join(Duration.ofSeconds(5).toMillis());
        }
    }

    private void run() {
        while (running) {
            try {
                Thread.sleep(ThreadLocalRandom.current().nextLong(1000, 3000));
                Map<String, Integer> moved = messaging.redrive("jobs.dlq", MessageSelection.all());
                if (!moved.isEmpty()) {
                    LOG.infof("Redrove %s", moved);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // the database is down or restarting: the next round tries again
                LOG.debugf("Redrive failed: %s", e.getMessage());
            }
        }
    }
}
