package dev.pgmessaging.runtime.tx;

import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;
import jakarta.transaction.TransactionManager;

/**
 * Notes the caller's transaction before the {@code @Transactional} interceptor runs (it has a
 * priority of {@code PLATFORM_BEFORE + 200}), so that {@link RollbackOnAnyFailure}, which runs
 * after it, can tell a transaction the method began from one it joined.
 */
@RollsBackOnAnyFailure
@Interceptor
@Priority(Interceptor.Priority.PLATFORM_BEFORE + 199)
public class CallerTransaction {

    static final String KEY = CallerTransaction.class.getName();
    /** Stands for "no transaction": the context data holds no {@code null}. */
    static final Object NONE = new Object();

    @Inject
    TransactionManager transactions;

    @AroundInvoke
    Object noteCallerTransaction(InvocationContext invocation) throws Exception {
        Object caller = transactions.getTransaction();
        invocation.getContextData().put(KEY, caller == null ? NONE : caller);
        return invocation.proceed();
    }
}
