package dev.pgmessaging.deployment.devui;

import java.util.List;

import dev.pgmessaging.runtime.PostgresConnector;
import dev.pgmessaging.runtime.dev.ui.PostgresMessagingJsonRpcService;
import io.quarkus.deployment.IsLocalDevelopment;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.annotations.BuildSteps;
import io.quarkus.devui.spi.JsonRPCProvidersBuildItem;
import io.quarkus.devui.spi.page.CardPageBuildItem;
import io.quarkus.devui.spi.page.Page;
import io.quarkus.smallrye.reactivemessaging.deployment.items.ConnectorManagedChannelBuildItem;

/**
 * The extension's Dev UI card (dev mode only): queues with peek and redrive, exchanges and their
 * bindings, topics with their groups' lag, and the application's channels, read through the
 * {@code PostgresMessaging} admin API by {@link PostgresMessagingJsonRpcService}.
 */
@BuildSteps(onlyIf = IsLocalDevelopment.class)
class PostgresMessagingDevUIProcessor {

    @BuildStep
    CardPageBuildItem card(List<ConnectorManagedChannelBuildItem> channels) {
        long ours = channels.stream().filter(c -> PostgresConnector.NAME.equals(c.getConnector())).count();
        CardPageBuildItem card = new CardPageBuildItem();
        card.addPage(Page.webComponentPageBuilder().title("Queues").icon("font-awesome-solid:inbox")
                .componentLink("qwc-postgres-messaging-queues.js"));
        card.addPage(Page.webComponentPageBuilder().title("Exchanges").icon("font-awesome-solid:shuffle")
                .componentLink("qwc-postgres-messaging-exchanges.js"));
        card.addPage(Page.webComponentPageBuilder().title("Topics").icon("font-awesome-solid:list-ol")
                .componentLink("qwc-postgres-messaging-topics.js"));
        card.addPage(Page.webComponentPageBuilder().title("Channels").icon("font-awesome-solid:plug")
                .componentLink("qwc-postgres-messaging-channels.js").staticLabel(String.valueOf(ours)));
        return card;
    }

    @BuildStep
    JsonRPCProvidersBuildItem jsonRpcService() {
        return new JsonRPCProvidersBuildItem(PostgresMessagingJsonRpcService.class);
    }
}
