package dev.pgmessaging.runtime.sql;

import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;

/** The arrays of primitives the statements take as parameters ({@code int4[]}, {@code bigint[]}, {@code float8[]}). */
public final class JdbcArrays {

    private JdbcArrays() {
    }

    public static Array ints(Connection connection, int[] values) throws SQLException {
        Integer[] boxed = new Integer[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return connection.createArrayOf("int4", boxed);
    }

    public static Array longs(Connection connection, long[] values) throws SQLException {
        Long[] boxed = new Long[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return connection.createArrayOf("bigint", boxed);
    }

    public static Array doubles(Connection connection, double[] values) throws SQLException {
        Double[] boxed = new Double[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return connection.createArrayOf("float8", boxed);
    }
}
