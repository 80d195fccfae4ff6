package dev.pgmessaging.deployment.faults;

import java.sql.Connection;
import java.sql.SQLException;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalConnectionFactoryConfigurationSupplier;
import io.agroal.api.configuration.supplier.AgroalConnectionPoolConfigurationSupplier;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.transaction.TransactionIntegration;

/** A connection pool like the application's, whose connections go through a {@link TcpProxy}. */
public final class ProxiedPool {

    private ProxiedPool() {
    }

    /** A pool with the credentials of {@code like}, connecting to its server through {@code proxy}. */
    public static AgroalDataSource through(TcpProxy proxy, AgroalDataSource like) throws SQLException {
        String url;
        try (Connection connection = like.getConnection()) {
            url = connection.getMetaData().getURL();
        }
        AgroalConnectionFactoryConfigurationSupplier factory = new AgroalConnectionFactoryConfigurationSupplier(
                like.getConfiguration().connectionPoolConfiguration().connectionFactoryConfiguration())
                .jdbcUrl(proxy.url(url));
        // the application pool's settings (its exception sorter drops the connections that broke), no transactions
        return AgroalDataSource.from(new AgroalDataSourceConfigurationSupplier()
                .connectionPoolConfiguration(new AgroalConnectionPoolConfigurationSupplier(
                        like.getConfiguration().connectionPoolConfiguration())
                        .transactionIntegration(TransactionIntegration.none())
                        .maxSize(10)
                        .connectionFactoryConfiguration(factory)));
    }

    /** The proxy in front of the server the pool connects to. */
    public static TcpProxy proxyFor(AgroalDataSource pool) throws Exception {
        try (Connection connection = pool.getConnection()) {
            return TcpProxy.inFrontOf(connection.getMetaData().getURL());
        }
    }
}
