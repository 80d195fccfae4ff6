package dev.pgmessaging.admin.deployment;

import java.util.function.BooleanSupplier;

import io.quarkus.deployment.Capabilities;
import io.quarkus.deployment.Capability;
import io.quarkus.deployment.IsLocalDevelopment;
import io.quarkus.deployment.annotations.BuildProducer;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.annotations.ExecutionTime;
import io.quarkus.deployment.annotations.Record;
import io.quarkus.deployment.builditem.FeatureBuildItem;
import io.quarkus.deployment.builditem.LaunchModeBuildItem;
import io.quarkus.deployment.builditem.nativeimage.NativeImageResourceBuildItem;
import io.quarkus.devui.spi.page.CardPageBuildItem;
import io.quarkus.devui.spi.page.Page;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.vertx.http.deployment.BodyHandlerBuildItem;
import io.quarkus.vertx.http.deployment.NonApplicationRootPathBuildItem;
import io.quarkus.vertx.http.deployment.RouteBuildItem;
import io.quarkus.vertx.http.runtime.management.ManagementInterfaceBuildTimeConfig;

import dev.pgmessaging.admin.runtime.AdminConfig;
import dev.pgmessaging.admin.runtime.AdminRecorder;

/**
 * Serves the admin endpoints and the console under the non-application root, on the management
 * interface when it is enabled; only in dev and test mode unless {@code enabled} says otherwise.
 */
class AdminProcessor {

    private static final String FEATURE = "messaging-postgres-admin";

    @BuildStep
    FeatureBuildItem feature() {
        return new FeatureBuildItem(FEATURE);
    }

    /** Whether the endpoints are served: as configured, else outside production builds only. */
    static final class Enabled implements BooleanSupplier {
        AdminConfig config;
        LaunchMode launchMode;

        @Override
        public boolean getAsBoolean() {
            return config.enabled().orElse(launchMode != LaunchMode.NORMAL);
        }
    }

    @BuildStep(onlyIf = Enabled.class)
    @Record(ExecutionTime.RUNTIME_INIT)
    void routes(AdminRecorder recorder, AdminConfig config, Capabilities capabilities,
            NonApplicationRootPathBuildItem nonApplicationRoot, BodyHandlerBuildItem body,
            BuildProducer<RouteBuildItem> routes, BuildProducer<NativeImageResourceBuildItem> resources) {
        boolean secured = capabilities.isPresent(Capability.SECURITY);
        String base = "/" + config.path();
        routes.produce(nonApplicationRoot.routeBuilder().management()
                .routeFunction(config.path() + "/api/*", recorder.readBodyFirst(body.getHandler()))
                .handler(recorder.api(base, secured, config.role()))
                .blockingRoute()
                .build());
        routes.produce(nonApplicationRoot.routeBuilder().management()
                .route(config.path() + "*")
                .handler(recorder.console(base, secured, config.role()))
                .blockingRoute()
                .displayOnNotFoundPage("Postgres Messaging console")
                .build());
        resources.produce(new NativeImageResourceBuildItem("META-INF/pgmessaging-console/index.html",
                "META-INF/pgmessaging-console/console.js", "META-INF/pgmessaging-console/console.css",
                "META-INF/pgmessaging-console/openapi.yaml"));
    }

    /** In dev mode, the extension's Dev UI card links to the console (in a tab of its own). */
    @BuildStep(onlyIf = { IsLocalDevelopment.class, Enabled.class })
    CardPageBuildItem consoleLink(AdminConfig config, NonApplicationRootPathBuildItem nonApplicationRoot,
            ManagementInterfaceBuildTimeConfig management, LaunchModeBuildItem launchMode) {
        String console = nonApplicationRoot.resolveManagementPath(config.path() + "/", management, launchMode);
        CardPageBuildItem card = new CardPageBuildItem();
        card.addPage(Page.externalPageBuilder("Console").icon("font-awesome-solid:gauge").url(console, console)
                .doNotEmbed());
        return card;
    }
}
