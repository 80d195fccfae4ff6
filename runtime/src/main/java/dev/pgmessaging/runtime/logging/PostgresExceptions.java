package dev.pgmessaging.runtime.logging;

import java.lang.invoke.MethodHandles;

import org.jboss.logging.Messages;
import org.jboss.logging.annotations.Cause;
import org.jboss.logging.annotations.Message;
import org.jboss.logging.annotations.MessageBundle;

import dev.pgmessaging.runtime.api.UnknownNameException;

/**
 * The messages of the exceptions that stop an application at startup, with IDs from 1000 on (the
 * log lines have theirs in {@link PostgresLogging}). IDs are never reused.
 */
@MessageBundle(projectCode = "PGMSG", length = 4)
public interface PostgresExceptions {

    PostgresExceptions EX = Messages.getBundle(MethodHandles.lookup(), PostgresExceptions.class);

    /** @param problems each {@code mp.messaging.<direction>.<channel>.<property>=<value>: <reason>}, joined */
    @Message(id = 1000, value = "Invalid channel configuration: %s")
    IllegalArgumentException invalidChannelConfiguration(String problems);

    @Message(id = 1001, value = "Could not create or migrate the messaging schema '%s': %s%s")
    IllegalStateException schemaNotMigrated(String schema, String reason, String advice, @Cause Throwable cause);

    @Message(id = 1002, value = "The messaging schema '%s' is not up to date (%s=validate). Missing migrations: %s. Apply"
            + " them (they are in the extension jar under %s, with {schema} replaced by the schema name), or set %2$s=create.")
    IllegalStateException schemaNotUpToDate(String schema, String setting, String missing, String directory);

    @Message(id = 1003, value = "The role %s lacks rights on the messaging schema '%s' (%s=%s): %s. Give them with SELECT"
            + " %2$s.grant_application_role('%1$s'), run as the schema's owner.")
    IllegalStateException rightsMissing(String role, String schema, String setting, String mode, String missing);

    @Message(id = 1004, value = "Could not check the rights on the messaging schema '%s': %s")
    IllegalStateException rightsNotChecked(String schema, String reason, @Cause Throwable cause);

    @Message(id = 1005, value = "Could not read the version of the messaging schema '%s': %s%s")
    IllegalStateException schemaVersionNotRead(String schema, String reason, String advice, @Cause Throwable cause);

    @Message(id = 1006, value = "Invalid configuration: %s: %s")
    IllegalArgumentException invalidExchangeConfiguration(String property, String reason);

    @Message(id = 1007, value = "'%s' is not a valid schema name: use 1 to %d lower-case letters, digits or underscores,"
            + " not starting with a digit")
    IllegalArgumentException invalidSchemaName(String schema, int maxBytes);

    /** @param what what was being set up, for example {@code create topic 'orders'} */
    @Message(id = 1008, value = "Could not %s in datasource %s: %s")
    IllegalStateException setUpFailed(String what, String dataSource, String reason, @Cause Throwable cause);

    /** @param what the operation of the admin API, for example {@code redrive dead-letter queue 'orders.dlq'} */
    @Message(id = 1009, value = "Could not %s in datasource %s: %s")
    IllegalStateException operationFailed(String what, String dataSource, String reason, @Cause Throwable cause);

    @Message(id = 1010, value = "No postgres channel of this application uses datasource %s")
    UnknownNameException unknownDataSource(String dataSource);

    @Message(id = 1011, value = "This application has no incoming postgres channel named %s")
    UnknownNameException unknownChannel(String channel);

    @Message(id = 1012, value = "There is no topic %s")
    UnknownNameException unknownTopic(String topic);

    @Message(id = 1013, value = "There is no topic %s, or it has no partition %d")
    UnknownNameException unknownPartition(String topic, int partition);

    @Message(id = 1014, value = "There is no exchange %s")
    UnknownNameException unknownExchange(String exchange);
}
