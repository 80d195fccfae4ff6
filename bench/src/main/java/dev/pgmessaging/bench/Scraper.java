package dev.pgmessaging.bench;

import java.time.Duration;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;

/**
 * With {@code bench.scrape-interval}, reads every meter at that interval, as a Prometheus scrape
 * would: the connector's gauges refresh on those reads, so a run with the connector's meters on
 * ({@code <connector>+metrics} in bench/run.sh) pays for its counters, its timers and its gauges.
 */
@ApplicationScoped
public class Scraper {

    @Inject
    MeterRegistry registry;
    @ConfigProperty(name = "bench.scrape-interval")
    Optional<Duration> interval;

    void start(@Observes StartupEvent started) {
        if (interval.isEmpty()) {
            return;
        }
        Thread scraper = new Thread(() -> {
            while (true) {
                for (Meter meter : registry.getMeters()) {
                    for (Measurement measurement : meter.measure()) {
                        measurement.getValue();
                    }
                }
                try {
                    Thread.sleep(interval.get().toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bench-scraper");
        scraper.setDaemon(true);
        scraper.start();
    }
}
