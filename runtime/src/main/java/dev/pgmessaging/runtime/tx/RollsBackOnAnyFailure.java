package dev.pgmessaging.runtime.tx;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.interceptor.InterceptorBinding;

/**
 * Added at build time to every {@code @Transactional} class and method of the application: when
 * such a method began the transaction that acks a message ({@link TransactionalAck}), any
 * exception it ends with rolls that transaction back, a checked one included
 * ({@link CallerTransaction}, {@link RollbackOnAnyFailure}).
 */
@InterceptorBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD })
public @interface RollsBackOnAnyFailure {
}
