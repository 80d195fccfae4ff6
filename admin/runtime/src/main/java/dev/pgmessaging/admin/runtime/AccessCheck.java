package dev.pgmessaging.admin.runtime;

import io.quarkus.arc.Arc;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.ext.web.RoutingContext;

/**
 * Who may use the endpoints: anyone when the application has no security extension; otherwise an
 * authenticated caller with the configured role. Answers 401 or 403 itself when not.
 */
final class AccessCheck {

    private final boolean secured;
    private final String role;
    private volatile IdentityProviderManager identities;

    AccessCheck(boolean secured, String role) {
        this.secured = secured;
        this.role = role;
    }

    /** @return whether the request may go on (if not, the answer was sent) */
    boolean allows(RoutingContext context) {
        if (!secured) {
            return true;
        }
        if (identities == null) {
            identities = Arc.container().instance(IdentityProviderManager.class).get();
        }
        // the identity the HTTP authentication established, anonymous without credentials
        SecurityIdentity identity = QuarkusHttpUser.getSecurityIdentityBlocking(context, identities);
        if (identity == null || identity.isAnonymous()) {
            context.response().setStatusCode(401).putHeader("WWW-Authenticate", "Basic realm=\"Quarkus\"").end();
            return false;
        }
        if (!identity.hasRole(role)) {
            context.response().setStatusCode(403).end();
            return false;
        }
        return true;
    }
}
