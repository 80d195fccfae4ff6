package dev.pgmessaging.runtime.exchange;

import static dev.pgmessaging.runtime.logging.PostgresExceptions.EX;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import dev.pgmessaging.runtime.api.Binding;
import dev.pgmessaging.runtime.api.ExchangeInfo;
import dev.pgmessaging.runtime.payload.PayloadCodec;
import dev.pgmessaging.runtime.sql.SqlStatements;

/**
 * What an operator does to the exchanges of a schema (the admin API): list them with their
 * bindings, add and remove a binding. A binding added here routes the messages published from its
 * commit on, as one a channel declares; a channel declares its own again when it starts.
 */
public final class ExchangeOperations {

    private final SqlStatements sql;
    private final ExchangeStore exchanges;
    private final PayloadCodec codec;

    public ExchangeOperations(String schema, ExchangeStore exchanges, PayloadCodec codec) {
        this.sql = SqlStatements.load("exchange_operations.sql", schema);
        this.exchanges = exchanges;
        this.codec = codec;
    }

    public List<ExchangeInfo> exchanges(DataSource dataSource) throws SQLException {
        Map<String, String> types = new LinkedHashMap<>();
        Map<String, List<Binding>> bindings = new LinkedHashMap<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.get("list-bindings"));
                ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
                String exchange = rs.getString(1);
                types.put(exchange, rs.getString(2));
                List<Binding> list = bindings.computeIfAbsent(exchange, e -> new ArrayList<>());
                if (rs.getString(3) != null) {
                    list.add(new Binding(exchange, rs.getString(3), rs.getString(4), codec.decodeHeaders(rs.getString(5)),
                            rs.getBoolean(6)));
                }
            }
        }
        List<ExchangeInfo> list = new ArrayList<>(types.size());
        types.forEach((name, type) -> list.add(new ExchangeInfo(name, type, List.copyOf(bindings.get(name)))));
        return list;
    }

    /**
     * Adds the binding unless it exists.
     *
     * @throws IllegalArgumentException when there is no such exchange, or the binding does not fit its type
     */
    public void bind(DataSource dataSource, Binding binding) throws SQLException {
        ExchangeType type = exchanges.type(dataSource, binding.exchange());
        if (type == null) {
            throw EX.unknownExchange(binding.exchange());
        }
        if (type == ExchangeType.HEADERS ? binding.headers().isEmpty() : !binding.headers().isEmpty()) {
            throw new IllegalArgumentException("A binding to " + type.id() + " exchange "
                    + binding.exchange() + (type == ExchangeType.HEADERS ? " needs headers to match" : " takes no headers"));
        }
        if ((type == ExchangeType.FANOUT || type == ExchangeType.HEADERS) && !binding.routingKey().isEmpty()) {
            throw new IllegalArgumentException("A binding to " + type.id() + " exchange "
                    + binding.exchange() + " takes no binding key");
        }
        exchanges.bind(dataSource, binding);
    }

    /** @return whether there was such a binding (it is removed) */
    public boolean unbind(DataSource dataSource, Binding binding) throws SQLException {
        return exchanges.unbind(dataSource, binding);
    }
}
