package dev.pgmessaging.runtime.tx;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Looks through a failure for the one that explains it: its causes, and the exceptions suppressed
 * along the way. A transaction whose commit failed tells why in a suppressed exception (Narayana's
 * {@code RollbackException} carries the resource's {@code XAException} there, and the driver's
 * error as that one's cause), not in its cause.
 */
public final class Causes {

    private Causes() {
    }

    /** The first failure of that type among the failure, its causes and what they suppressed, or {@code null}. */
    public static <T extends Throwable> T find(Throwable failure, Class<T> type) {
        List<T> found = all(failure, type);
        return found.isEmpty() ? null : found.get(0);
    }

    /** Every failure of that type among the failure, its causes and what they suppressed, causes first. */
    public static <T extends Throwable> List<T> all(Throwable failure, Class<T> type) {
        List<T> found = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Throwable> next = new ArrayDeque<>();
        if (failure != null) {
            next.add(failure);
        }
        while (!next.isEmpty()) {
            Throwable t = next.poll();
            if (!seen.add(t)) {
                continue;
            }
            if (type.isInstance(t)) {
                found.add(type.cast(t));
            }
            if (t.getCause() != null) {
                next.add(t.getCause());
            }
            for (Throwable suppressed : t.getSuppressed()) {
                next.add(suppressed);
            }
        }
        return found;
    }
}
