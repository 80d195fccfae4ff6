package dev.pgmessaging.deployment;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jboss.jandex.AnnotationInstance;
import org.jboss.jandex.AnnotationTarget;
import org.jboss.jandex.AnnotationValue;
import org.jboss.jandex.DotName;
import org.jboss.jandex.IndexView;
import org.jboss.jandex.MethodInfo;
import org.jboss.jandex.ParameterizedType;
import org.jboss.jandex.PrimitiveType;
import org.jboss.jandex.Type;

/**
 * Finds the payload type of each channel from the signatures that use it: {@code @Incoming} and
 * {@code @Outgoing} methods, and {@code @Channel} injection points of emitters and streams.
 * Wrappers are peeled off ({@code Message<T>}, {@code Multi<T>}, {@code Uni<T>},
 * {@code CompletionStage<T>}, …, and {@code KeyedMulti<K, V>} to {@code V}) down to the payload type.
 */
final class PayloadTypeDiscovery {

    static final DotName INCOMING = DotName.createSimple("org.eclipse.microprofile.reactive.messaging.Incoming");
    static final DotName OUTGOING = DotName.createSimple("org.eclipse.microprofile.reactive.messaging.Outgoing");
    static final DotName CHANNEL = DotName.createSimple("org.eclipse.microprofile.reactive.messaging.Channel");

    private static final DotName MESSAGE = DotName.createSimple("org.eclipse.microprofile.reactive.messaging.Message");
    private static final DotName OBJECT = DotName.createSimple(Object.class.getName());
    private static final DotName LIST = DotName.createSimple(List.class.getName());
    private static final Set<DotName> EMITTERS = Set.of(
            DotName.createSimple("org.eclipse.microprofile.reactive.messaging.Emitter"),
            DotName.createSimple("io.smallrye.reactive.messaging.MutinyEmitter"),
            DotName.createSimple("io.smallrye.reactive.messaging.ContextualEmitter"));
    /** {@code KeyedMulti<K, V>}: a stream of values {@code V} grouped by key. */
    private static final DotName KEYED_MULTI = DotName.createSimple("io.smallrye.reactive.messaging.keyed.KeyedMulti");
    private static final Set<DotName> STREAMS = Set.of(
            KEYED_MULTI,
            DotName.createSimple("io.smallrye.mutiny.Multi"),
            DotName.createSimple("org.reactivestreams.Publisher"),
            DotName.createSimple("java.util.concurrent.Flow$Publisher"),
            DotName.createSimple("org.eclipse.microprofile.reactive.streams.operators.PublisherBuilder"));
    private static final Set<DotName> ASYNC = Set.of(
            DotName.createSimple("io.smallrye.mutiny.Uni"),
            DotName.createSimple("java.util.concurrent.CompletionStage"),
            DotName.createSimple("java.util.concurrent.CompletableFuture"));
    private static final Set<DotName> SUBSCRIBERS = Set.of(
            DotName.createSimple("org.reactivestreams.Subscriber"),
            DotName.createSimple("java.util.concurrent.Flow$Subscriber"),
            DotName.createSimple("org.eclipse.microprofile.reactive.streams.operators.SubscriberBuilder"));
    private static final Set<DotName> PROVIDERS = Set.of(
            DotName.createSimple("jakarta.enterprise.inject.Instance"),
            DotName.createSimple("jakarta.inject.Provider"),
            DotName.createSimple("io.quarkus.arc.InjectableInstance"));

    private final IndexView index;

    PayloadTypeDiscovery(IndexView index) {
        this.index = index;
    }

    /**
     * The payload type found for each channel, as {@code channel -> type}; for incoming channels whose
     * method takes {@code List<T>} or {@code Message<List<T>>} (batch consumption), also {@code T}.
     */
    record Result(Map<String, Type> incoming, Map<String, Type> outgoing, Map<String, Type> batchElements) {
    }

    Result discover() {
        Map<String, Type> incoming = new HashMap<>();
        Map<String, Type> outgoing = new HashMap<>();
        Map<String, Type> batchElements = new HashMap<>();
        for (AnnotationInstance annotation : index.getAnnotationsWithRepeatable(INCOMING, index)) {
            if (annotation.target().kind() == AnnotationTarget.Kind.METHOD) {
                MethodInfo method = annotation.target().asMethod();
                Type type = incomingType(method);
                put(incoming, annotation.value().asString(), type);
                if (method.parametersCount() > 0 && !STREAMS.contains(method.parameterType(0).name())) {
                    put(batchElements, annotation.value().asString(), listElement(type));
                }
            }
        }
        for (AnnotationInstance annotation : index.getAnnotationsWithRepeatable(OUTGOING, index)) {
            if (annotation.target().kind() == AnnotationTarget.Kind.METHOD) {
                MethodInfo method = annotation.target().asMethod();
                put(outgoing, annotation.value().asString(), outgoingType(method));
            }
        }
        for (AnnotationInstance annotation : index.getAnnotations(CHANNEL)) {
            Type injected = injectionPointType(annotation.target());
            AnnotationValue value = annotation.value();
            if (injected == null || value == null || injected.kind() != Type.Kind.PARAMETERIZED_TYPE) {
                continue;
            }
            injected = unwrap(injected, PROVIDERS);
            if (injected.kind() != Type.Kind.PARAMETERIZED_TYPE) {
                continue;
            }
            if (EMITTERS.contains(injected.name())) {
                put(outgoing, value.asString(), payload(firstArgument(injected)));
            } else if (STREAMS.contains(injected.name())) {
                put(incoming, value.asString(), payload(firstArgument(injected)));
            }
        }
        return new Result(incoming, outgoing, batchElements);
    }

    /** The element type of a {@code List<T>} payload, or {@code null}. */
    private static Type listElement(Type type) {
        if (type != null && type.kind() == Type.Kind.PARAMETERIZED_TYPE && LIST.equals(type.name())) {
            return payload(firstArgument(type));
        }
        return null;
    }

    private static Type incomingType(MethodInfo method) {
        if (method.parametersCount() > 0 && method.parameterType(0).kind() == Type.Kind.PARAMETERIZED_TYPE
                && KEYED_MULTI.equals(method.parameterType(0).name())) {
            List<Type> arguments = method.parameterType(0).asParameterizedType().arguments();
            return arguments.size() == 2 ? payload(arguments.get(1)) : null;
        }
        if (method.parametersCount() > 0) {
            return payload(unwrap(method.parameterType(0), STREAMS));
        }
        Type returned = method.returnType();
        if (returned.kind() == Type.Kind.PARAMETERIZED_TYPE && SUBSCRIBERS.contains(returned.name())) {
            return payload(firstArgument(returned));
        }
        return null;
    }

    private static Type outgoingType(MethodInfo method) {
        Type returned = unwrap(unwrap(method.returnType(), ASYNC), STREAMS);
        if (returned.kind() == Type.Kind.VOID) {
            return null;
        }
        return payload(returned);
    }

    /**
     * Peels {@code Message<T>} off a payload type. A {@code List<T>} stays a list here: whether it is
     * a batch of {@code T} or one JSON array payload is the channel's {@code batch} setting.
     */
    static Type payload(Type type) {
        if (type == null) {
            return null;
        }
        if (type.kind() == Type.Kind.PARAMETERIZED_TYPE && MESSAGE.equals(type.name())) {
            type = firstArgument(type);
        }
        if (type == null) {
            return null;
        }
        return switch (type.kind()) {
            case CLASS, PRIMITIVE, ARRAY, PARAMETERIZED_TYPE -> type;
            default -> null; // type variables and wildcards say nothing about the payload
        };
    }

    private static Type unwrap(Type type, Set<DotName> wrappers) {
        if (type.kind() == Type.Kind.PARAMETERIZED_TYPE && wrappers.contains(type.name())) {
            Type argument = firstArgument(type);
            return argument == null ? type : argument;
        }
        return type;
    }

    private static Type firstArgument(Type type) {
        ParameterizedType parameterized = type.asParameterizedType();
        return parameterized.arguments().isEmpty() ? null : parameterized.arguments().get(0);
    }

    private static Type injectionPointType(AnnotationTarget target) {
        return switch (target.kind()) {
            case FIELD -> target.asField().type();
            case METHOD_PARAMETER -> target.asMethodParameter().method()
                    .parameterType(target.asMethodParameter().position());
            default -> null;
        };
    }

    private static void put(Map<String, Type> types, String channel, Type type) {
        if (type != null) {
            types.putIfAbsent(channel, type);
        }
    }

    /**
     * The value of the {@code payload-type} attribute for a discovered type: a class or primitive
     * name, {@code byte[]}, or a canonical generic type such as {@code java.util.List<com.acme.Order>};
     * {@code null} when the type says nothing useful (Object, other arrays, type variables).
     */
    static String typeName(Type type) {
        if (type.kind() == Type.Kind.ARRAY && type.asArrayType().constituent().equals(PrimitiveType.BYTE)
                && type.asArrayType().dimensions() == 1) {
            return "byte[]";
        }
        if (OBJECT.equals(type.name())) {
            return null;
        }
        return canonical(type);
    }

    private static String canonical(Type type) {
        return switch (type.kind()) {
            case CLASS, PRIMITIVE -> type.name().toString();
            case PARAMETERIZED_TYPE -> {
                StringBuilder name = new StringBuilder(type.name().toString()).append('<');
                List<Type> arguments = type.asParameterizedType().arguments();
                for (int i = 0; i < arguments.size(); i++) {
                    String argument = canonical(arguments.get(i));
                    if (argument == null) {
                        yield type.name().toString(); // e.g. Map<String, ?>: the raw type will do
                    }
                    name.append(i == 0 ? "" : ",").append(argument);
                }
                yield name.append('>').toString();
            }
            default -> null;
        };
    }

    /** Every class a discovered type names (its raw class and type arguments), for reflection. */
    static void classNames(Type type, java.util.Set<String> names) {
        if (type.kind() == Type.Kind.CLASS) {
            names.add(type.name().toString());
        } else if (type.kind() == Type.Kind.PARAMETERIZED_TYPE) {
            names.add(type.name().toString());
            type.asParameterizedType().arguments().forEach(argument -> classNames(argument, names));
        }
    }
}
