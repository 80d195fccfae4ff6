package dev.pgmessaging.deployment;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.jandex.AnnotationTransformation;
import org.jboss.jandex.DotName;
import org.jboss.jandex.Type;

import dev.pgmessaging.runtime.Administration;
import dev.pgmessaging.runtime.PostgresConnector;
import dev.pgmessaging.runtime.log.LogKeyValueExtractor;
import dev.pgmessaging.runtime.outbox.OutboxEmitterFactories;
import dev.pgmessaging.runtime.outbox.TransactionalOutbox;
import dev.pgmessaging.runtime.schema.Migration;
import dev.pgmessaging.runtime.sql.SqlStatements;
import dev.pgmessaging.runtime.tx.CallerTransaction;
import dev.pgmessaging.runtime.tx.RollbackOnAnyFailure;
import dev.pgmessaging.runtime.tx.RollsBackOnAnyFailure;
import dev.pgmessaging.runtime.tx.TransactionalAck;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.arc.deployment.AnnotationsTransformerBuildItem;
import io.quarkus.deployment.annotations.BuildProducer;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.builditem.AdditionalIndexedClassesBuildItem;
import io.quarkus.deployment.builditem.CombinedIndexBuildItem;
import io.quarkus.deployment.builditem.FeatureBuildItem;
import io.quarkus.deployment.builditem.RunTimeConfigurationDefaultBuildItem;
import io.quarkus.deployment.builditem.nativeimage.NativeImageResourceBuildItem;
import io.quarkus.deployment.builditem.nativeimage.ReflectiveClassBuildItem;
import io.quarkus.smallrye.reactivemessaging.deployment.items.ChannelDirection;
import io.quarkus.smallrye.reactivemessaging.deployment.items.ConnectorManagedChannelBuildItem;

class PostgresMessagingProcessor {

    static final String FEATURE = "messaging-postgres";
    static final String PAYLOAD_TYPE = "payload-type";
    static final String BATCH = "batch";
    private static final DotName TRANSACTIONAL = DotName.createSimple("jakarta.transaction.Transactional");
    /** Payload types with a built-in codec: nothing to register for reflection. */
    private static final Set<String> BUILT_IN = Set.of("byte[]", "io.vertx.core.json.JsonObject",
            "io.vertx.core.json.JsonArray", "int", "long", "short", "byte", "double", "float", "boolean", "char");

    @BuildStep
    FeatureBuildItem feature() {
        return new FeatureBuildItem(FEATURE);
    }

    @BuildStep
    AdditionalBeanBuildItem connector() {
        return AdditionalBeanBuildItem.builder().setUnremovable()
                .addBeanClasses(PostgresConnector.class, Administration.class, TransactionalOutbox.class, OutboxEmitterFactories.ForEmitter.class,
                        OutboxEmitterFactories.ForMutinyEmitter.class, TransactionalAck.class,
                        LogKeyValueExtractor.class, CallerTransaction.class, RollbackOnAnyFailure.class)
                .build();
    }

    /**
     * Binds the interceptors that roll back, whatever the exception, a transaction that acks a
     * message to every {@code @Transactional} class and method (see {@link RollbackOnAnyFailure}).
     */
    @BuildStep
    void rollBackOnAnyFailure(BuildProducer<AnnotationsTransformerBuildItem> transformers,
            BuildProducer<AdditionalIndexedClassesBuildItem> bindings) {
        bindings.produce(new AdditionalIndexedClassesBuildItem(RollsBackOnAnyFailure.class.getName()));
        transformers.produce(new AnnotationsTransformerBuildItem(AnnotationTransformation.forClasses()
                .whenAnyMatch(TRANSACTIONAL).transform(context -> context.add(RollsBackOnAnyFailure.class))));
        transformers.produce(new AnnotationsTransformerBuildItem(AnnotationTransformation.forMethods()
                .whenAnyMatch(TRANSACTIONAL).transform(context -> context.add(RollsBackOnAnyFailure.class))));
    }

    /** {@code PostgresMessaging.channels()} reads the attribute declarations on the connector class. */
    @BuildStep
    ReflectiveClassBuildItem connectorAttributes() {
        return ReflectiveClassBuildItem.builder(PostgresConnector.class).reason(getClass().getName()).build();
    }

    @BuildStep
    NativeImageResourceBuildItem sqlResources() {
        List<String> resources = new java.util.ArrayList<>();
        SqlStatements.FILES.forEach(file -> resources.add(SqlStatements.RESOURCE_ROOT + file));
        Migration.ALL.forEach(m -> resources.add(Migration.RESOURCE_DIRECTORY + m.file()));
        return new NativeImageResourceBuildItem(resources);
    }

    /**
     * Sets {@code payload-type} of every channel of this connector to the type its signatures
     * use, as a runtime default (so an explicit setting wins), and registers the JSON payload
     * classes for reflection.
     */
    @BuildStep
    void payloadTypes(CombinedIndexBuildItem index, List<ConnectorManagedChannelBuildItem> channels,
            BuildProducer<RunTimeConfigurationDefaultBuildItem> defaults,
            BuildProducer<ReflectiveClassBuildItem> reflection) {
        PayloadTypeDiscovery.Result discovered = new PayloadTypeDiscovery(index.getIndex()).discover();
        Config config = ConfigProvider.getConfig();
        for (ConnectorManagedChannelBuildItem channel : channels) {
            if (!PostgresConnector.NAME.equals(channel.getConnector())) {
                continue;
            }
            boolean incoming = channel.getDirection() == ChannelDirection.INCOMING;
            String name = channel.getName();
            Map<String, Type> types = incoming ? discovered.incoming() : discovered.outgoing();
            Type type = types.get(unquote(name));
            Type batchElement = incoming ? discovered.batchElements().get(unquote(name)) : null;
            if (batchElement != null) {
                // a method taking List<T> consumes batches of T, unless the user says the list is one payload
                String batchKey = "mp.messaging.incoming." + name + "." + BATCH;
                Optional<Boolean> batch = config.getOptionalValue(batchKey, Boolean.class);
                if (batch.isEmpty()) {
                    defaults.produce(new RunTimeConfigurationDefaultBuildItem(batchKey, "true"));
                }
                if (batch.orElse(true)) {
                    type = batchElement;
                }
            }
            String typeName = type == null ? null : PayloadTypeDiscovery.typeName(type);
            if (typeName == null) {
                continue;
            }
            String key = "mp.messaging." + (incoming ? "incoming." : "outgoing.") + name + "." + PAYLOAD_TYPE;
            if (config.getOptionalValue(key, String.class).isPresent() || config
                    .getOptionalValue("mp.messaging.connector." + PostgresConnector.NAME + "." + PAYLOAD_TYPE, String.class)
                    .isPresent()) {
                continue; // configured by the user: leave it alone
            }
            defaults.produce(new RunTimeConfigurationDefaultBuildItem(key, typeName));
            Set<String> classes = new java.util.TreeSet<>();
            PayloadTypeDiscovery.classNames(type, classes);
            classes.removeIf(className -> BUILT_IN.contains(className) || className.startsWith("java."));
            if (!classes.isEmpty()) {
                reflection.produce(ReflectiveClassBuildItem.builder(classes.toArray(String[]::new)).constructors()
                        .methods().fields().reason(getClass().getName()).build());
            }
        }
    }

    private static String unquote(String channel) {
        return channel.length() > 1 && channel.startsWith("\"") && channel.endsWith("\"")
                ? channel.substring(1, channel.length() - 1)
                : channel;
    }
}
