package dev.pgmessaging.runtime;

import java.util.List;
import java.util.Map;

import dev.pgmessaging.runtime.logging.PostgresExceptions;
import dev.pgmessaging.runtime.PostgresMessagingConfig.BindingConfig;
import dev.pgmessaging.runtime.PostgresMessagingConfig.ExchangeConfig;
import dev.pgmessaging.runtime.PostgresMessagingConfig.XMatch;
import dev.pgmessaging.runtime.exchange.BindingRequest;
import dev.pgmessaging.runtime.exchange.ExchangeType;
import dev.pgmessaging.runtime.sql.Identifiers;

/**
 * Declares the exchanges and bindings of {@code quarkus.messaging.postgres.exchanges}: a bad name
 * or a type that contradicts the existing exchange fails startup with one message naming the
 * property.
 */
final class ConfiguredExchanges {

    private static final String PREFIX = "quarkus.messaging.postgres.exchanges.\"";

    private ConfiguredExchanges() {
    }

    static void declare(DataSourceResources ds, Map<String, ExchangeConfig> exchanges) {
        exchanges.forEach((exchange, config) -> {
            check(Identifiers.exchangeNameProblem(exchange), exchange, "");
            ExchangeType type = ds.declareExchange(exchange, config.type().orElse(null));
            if (config.type().isPresent() && config.type().get() != type) {
                fail(exchange, "\".type=" + config.type().get().id(), "the exchange already exists with type " + type.id());
            }
            config.bindings().forEach((queue, binding) -> {
                check(Identifiers.queueNameProblem(queue), exchange, "\".bindings.\"" + queue + "\"");
                ds.registerQueue(queue);
                ds.bind(request(exchange, queue, binding), type);
            });
        });
    }

    private static BindingRequest request(String exchange, String queue, BindingConfig binding) {
        return new BindingRequest(exchange, queue, binding.routingKeys().orElse(List.of()), binding.headers(),
                binding.xMatch() == XMatch.ALL);
    }

    private static void check(String problem, String exchange, String property) {
        if (problem != null) {
            fail(exchange, property, problem);
        }
    }

    private static void fail(String exchange, String property, String reason) {
        throw PostgresExceptions.EX.invalidExchangeConfiguration(PREFIX + exchange + property, reason);
    }
}
