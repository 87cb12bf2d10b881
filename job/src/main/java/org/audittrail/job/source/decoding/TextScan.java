/*
 * Copyright 2026 the audit-trail authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */
package org.audittrail.job.source.decoding;

import io.debezium.connector.postgresql.connection.PostgresConnection;
import io.debezium.jdbc.JdbcConfiguration;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.audittrail.udf.values.PgText;
import org.audittrail.udf.values.ValueForm;
import org.postgresql.jdbc.PgConnection;
import org.postgresql.jdbc.TimestampUtils;

/**
 * Makes the baseline snapshot read each value as the WAL carries it. Flink CDC reads a chunk with {@code SELECT * FROM
 * "schema"."table" WHERE ...} and hands the driver's Java objects to Debezium's conversions; on a connection wrapped
 * here that query selects each column in its type's text output form instead (what pgoutput sends), and each value
 * read is turned into the JSON text {@code to_jsonb} writes by the same {@link PgText} forms the WAL's values take. So
 * a baseline row and a change of the same row store the same values.
 */
public final class TextScan {

    /** The chunk query of Flink CDC's PostgresQueryUtils: every column of one table, a key range at most. */
    private static final Pattern CHUNK =
            Pattern.compile("SELECT \\* FROM (\"(?:[^\"]|\"\")*\"\\.\"(?:[^\"]|\"\")*\")(.*)", Pattern.DOTALL);

    private static final String COLUMNS = "SELECT a.attname, a.atttypid FROM pg_attribute a"
            + " WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

    private TextScan() {}

    /** The driver's {@code connection}, its chunk queries reading text; every other call goes to it unchanged. */
    static Connection wrap(Connection connection) {
        return proxy(Connection.class, connection, (method, args) -> {
            Matcher chunk = method.getName().equals("prepareStatement") && args[0] instanceof String sql
                    ? CHUNK.matcher(sql)
                    : null;
            if (chunk == null || !chunk.matches()) {
                return method.invoke(connection, args);
            }
            List<String> names = new ArrayList<>();
            List<ValueForm> forms = new ArrayList<>();
            columns(connection, chunk.group(1), names, forms);
            Object[] textArgs = args.clone();
            textArgs[0] = "SELECT " + projection(names) + " FROM " + chunk.group(1) + chunk.group(2);
            return statement((PreparedStatement) method.invoke(connection, textArgs), forms);
        });
    }

    /**
     * Debezium's connection for the snapshot's chunks: its {@link #connection()} is the driver's, wrapped by {@link
     * #wrap} (which keeps pgjdbc's interfaces, as Debezium casts to them).
     */
    public static final class Connections extends PostgresConnection {
        private boolean ready = true; // false while the superclass's constructor reads types through connection()
        private Connection raw;
        private Connection wrapped;

        public Connections(JdbcConfiguration config, PostgresValueConverterBuilder converters, String usage) {
            super(config, converters, usage);
        }

        @Override
        public synchronized Connection connection() throws SQLException {
            Connection current = super.connection();
            if (!ready) {
                return current;
            }
            if (current != raw) {
                raw = current;
                wrapped = wrap(current);
            }
            return wrapped;
        }

        /** Tables without the catalog newer pgjdbc versions name: as the snapshot's chunks name them. */
        @Override
        protected String resolveCatalogName(String catalogName) {
            return null;
        }

        @Override
        public TimestampUtils getTimestampUtils() {
            try {
                return ((PgConnection) super.connection()).getTimestampUtils();
            } catch (SQLException e) {
                throw new IllegalStateException("No timestamp utilities on the snapshot's connection", e);
            }
        }
    }

    /** Each column as its type's output function writes it (format's %s), NULL as NULL, under its own name. */
    static String projection(List<String> names) {
        StringBuilder select = new StringBuilder();
        for (String name : names) {
            String column = "\"" + name.replace("\"", "\"\"") + "\"";
            if (select.length() > 0) {
                select.append(", ");
            }
            // num_nulls, not IS NULL: a composite whose fields are all NULL is a value, not NULL
            select.append("CASE WHEN num_nulls(")
                    .append(column)
                    .append(") = 1 THEN NULL ELSE format('%s', ")
                    .append(column)
                    .append(") END AS ")
                    .append(column);
        }
        return select.toString();
    }

    private static void columns(Connection connection, String table, List<String> names, List<ValueForm> forms)
            throws SQLException {
        Map<Long, ValueForm> cache = new HashMap<>();
        List<Long> types = new ArrayList<>();
        try (PreparedStatement s = connection.prepareStatement(COLUMNS)) {
            s.setString(1, table);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                    types.add(rs.getLong(2));
                }
            }
        }
        for (long type : types) {
            forms.add(ValueForms.resolve(connection, type, cache));
        }
    }

    private static PreparedStatement statement(PreparedStatement statement, List<ValueForm> forms) {
        return proxy(PreparedStatement.class, statement, (method, args) -> {
            Object result = method.invoke(statement, args);
            return method.getName().equals("executeQuery") ? rows((ResultSet) result, forms) : result;
        });
    }

    private static ResultSet rows(ResultSet rows, List<ValueForm> forms) {
        return proxy(ResultSet.class, rows, (method, args) -> {
            if (method.getName().equals("getObject") && args.length == 1 && args[0] instanceof Integer column) {
                String text = rows.getString(column);
                return text == null ? null : PgText.json(forms.get(column - 1), text);
            }
            return method.invoke(rows, args);
        });
    }

    private interface Call {
        Object invoke(Method method, Object[] args) throws Exception;
    }

    /** A proxy of {@code target} with every interface its class has (Debezium casts to pgjdbc's own). */
    private static <T> T proxy(Class<T> type, T target, Call call) {
        InvocationHandler handler = (self, method, args) -> {
            try {
                return call.invoke(method, args);
            } catch (InvocationTargetException e) {
                throw e.getCause(); // the driver's own exception, as the caller expects it
            }
        };
        Set<Class<?>> interfaces = new LinkedHashSet<>();
        interfaces.add(type);
        for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) {
            interfaces.addAll(Arrays.asList(c.getInterfaces()));
        }
        return type.cast(Proxy.newProxyInstance(
                target.getClass().getClassLoader(), interfaces.toArray(new Class<?>[0]), handler));
    }
}
