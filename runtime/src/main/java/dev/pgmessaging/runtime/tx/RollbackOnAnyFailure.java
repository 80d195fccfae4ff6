package dev.pgmessaging.runtime.tx;

import static dev.pgmessaging.runtime.logging.PostgresLogging.LOG;

import java.util.concurrent.CompletionStage;

import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;

import io.smallrye.mutiny.Uni;

/**
 * Rolls back, whatever the exception, the transaction that a {@code @Transactional} method began
 * and in which a message is acked.
 * <p>
 * Why: {@code @Transactional} commits on a checked exception. A handler declared
 * {@code throws Exception} (or one whose JDBC call threw {@code SQLException}) then committed its
 * transaction, and the message's ack with it, before its failure reached the connector: the
 * message was gone, neither processed nor dead-lettered. Its failure strategy applies instead.
 * A method that joined a transaction begun elsewhere is left alone (its caller may handle the
 * exception), and so are transactions that ack no message.
 */
@RollsBackOnAnyFailure
@Interceptor
@Priority(Interceptor.Priority.PLATFORM_BEFORE + 201)
public class RollbackOnAnyFailure {

    @Inject
    TransactionManager transactions;
    @Inject
    TransactionalAck acks;

    @AroundInvoke
    Object rollBackOnAnyFailure(InvocationContext invocation) throws Exception {
        Transaction transaction = transactions.getTransaction();
        if (transaction == null || transaction == invocation.getContextData().get(CallerTransaction.KEY)
                || !acks.acksInCurrentTransaction()) {
            return invocation.proceed();
        }
        Object result;
        try {
            result = invocation.proceed();
        } catch (Exception | Error e) {
            rollbackOnly(transaction);
            throw e;
        }
        // the @Transactional interceptor ends the transaction when these complete
        if (result instanceof CompletionStage<?> stage) {
            return stage.whenComplete((value, failure) -> {
                if (failure != null) {
                    rollbackOnly(transaction);
                }
            });
        }
        if (result instanceof Uni<?> uni) {
            return uni.onFailure().invoke(() -> rollbackOnly(transaction));
        }
        return result;
    }

    private static void rollbackOnly(Transaction transaction) {
        try {
            transaction.setRollbackOnly();
        } catch (SystemException | IllegalStateException e) {
            LOG.debugf("Could not mark a failed handler's transaction rollback-only: %s", e.getMessage());
        }
    }
}
