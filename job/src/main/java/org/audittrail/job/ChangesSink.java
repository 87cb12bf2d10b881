package org.audittrail.job;

import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.StatefulSink;
import org.apache.flink.api.connector.sink2.TwoPhaseCommittingSink;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.connector.jdbc.core.datastream.sink.committer.JdbcCommitable;
import org.apache.flink.connector.jdbc.core.datastream.sink.writer.JdbcWriter;
import org.apache.flink.connector.jdbc.core.datastream.sink.writer.JdbcWriterState;
import org.apache.flink.connector.jdbc.datasource.connections.JdbcConnectionProvider;
import org.apache.flink.connector.jdbc.datasource.connections.SimpleJdbcConnectionProvider;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.audittrail.udf.Change;
import org.audittrail.udf.ChangeId;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

/**
 * The JDBC sink writing into {@code changes}: batched, and idempotent on the deterministic change id.
 *
 * <p>Row data never reaches a log line or an exception: pgjdbc's {@code logServerErrorDetail=false} keeps parameter
 * values out of its batch errors and the server's DETAIL and WHERE (which quote the row) out of its messages, and a
 * failed batch is reported as the server's primary message and the table, WAL position and id of its changes.
 * Each written batch is counted in the writer's {@link StoredChanges} metrics.
 */
public final class ChangesSink {

    /** A replayed change has the same id and commit time, so its second insert is ignored. */
    static final String INSERT = "INSERT INTO changes (\"id\", \"database\", \"schema\", \"table\", \"primary_key\","
            + " \"operation\", \"before\", \"after\", \"context\", \"committed_at\", \"queued_at\", \"transaction_id\","
            + " \"position\", \"fallback_columns\") VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?::text[])"
            + " ON CONFLICT DO NOTHING";

    private ChangesSink() {}

    /** Most changes a failed batch's error names; the rest are counted. */
    static final int NAMED_IN_ERROR = 10;

    /** Flushes every {@code batchSize} changes or {@code flushIntervalMs}, whichever comes first, and at each checkpoint. */
    public static Sink<Change> create(Database destination, int batchSize, long flushIntervalMs) {
        return new MeasuredSink(destination, batchSize, flushIntervalMs);
    }

    /** The JDBC sink; {@code stored}, where given, counts each batch it writes. */
    static JdbcSink<Change> jdbcSink(Database destination, int batchSize, long flushIntervalMs, StoredChanges stored) {
        JdbcConnectionOptions.JdbcConnectionOptionsBuilder connection = new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                .withUrl(destination.jdbcUrl())
                .withDriverName("org.postgresql.Driver")
                .withUsername(destination.user())
                .withPassword(destination.password())
                .withProperty("ApplicationName", "audit-trail")
                // one multi-row INSERT per batch rather than one round trip per change
                .withProperty("reWriteBatchedInserts", "true")
                // row values stay out of pgjdbc's exceptions, so out of logs and the web UI
                .withProperty(Database.LOG_SERVER_ERROR_DETAIL, "false")
                // unnamed statements only, so it works through PgBouncer in transaction mode
                .withProperty(Database.PREPARE_THRESHOLD, "0");
        // the same TLS as setup's and the admin commands' connections to the destination
        destination.tls().driverProperties(destination.tls().keyPassword()).forEach(connection::withProperty);
        if (destination.tunnel() != null) {
            destination.tunnel().driverProperties().forEach(connection::withProperty);
        }
        return JdbcSink.<Change>builder()
                .withQueryStatement(INSERT, new ChangeStatement())
                .withExecutionOptions(JdbcExecutionOptions.builder()
                        .withBatchSize(batchSize)
                        .withBatchIntervalMs(flushIntervalMs)
                        .withMaxRetries(5)
                        .build())
                .buildAtLeastOnce(new NamingConnections(new SimpleJdbcConnectionProvider(connection.build()), stored));
    }

    /**
     * The JDBC sink, each writer with its {@link StoredChanges} metrics; writer, committer, their state and serializers
     * are the JDBC sink's own, so savepoints of the plain JDBC sink should restore (reasoned, not tested).
     */
    static final class MeasuredSink implements StatefulSink<Change, JdbcWriterState>, TwoPhaseCommittingSink<Change, JdbcCommitable> {
        private static final long serialVersionUID = 1L;

        private final Database destination;
        private final int batchSize;
        private final long flushIntervalMs;

        MeasuredSink(Database destination, int batchSize, long flushIntervalMs) {
            this.destination = destination;
            this.batchSize = batchSize;
            this.flushIntervalMs = flushIntervalMs;
        }

        @Override
        public JdbcWriter<Change> createWriter(InitContext context) throws IOException {
            return restoreWriter(context, List.of());
        }

        @Override
        public JdbcWriter<Change> restoreWriter(InitContext context, Collection<JdbcWriterState> state) throws IOException {
            // built here, in the writer's task, as the metrics exist only there
            return jdbcSink(destination, batchSize, flushIntervalMs, new StoredChanges(context.metricGroup())).restoreWriter(context, state);
        }

        @Override
        public Committer<JdbcCommitable> createCommitter() throws IOException {
            return plain().createCommitter();
        }

        @Override
        public SimpleVersionedSerializer<JdbcCommitable> getCommittableSerializer() {
            return plain().getCommittableSerializer();
        }

        @Override
        public SimpleVersionedSerializer<JdbcWriterState> getWriterStateSerializer() {
            return plain().getWriterStateSerializer();
        }

        private JdbcSink<Change> plain() {
            return jdbcSink(destination, batchSize, flushIntervalMs, null);
        }
    }

    /** What the sink's statements are, besides a {@link PreparedStatement}: told which change each batch entry is. */
    interface NamedBatch {
        void name(Change change, UUID id);
    }

    /** Binds a change to {@link #INSERT}. */
    static final class ChangeStatement implements JdbcStatementBuilder<Change> {
        private static final long serialVersionUID = 1L;

        @Override
        public void accept(PreparedStatement s, Change change) throws SQLException {
            UUID id = ChangeId.of(change);
            if (s instanceof NamedBatch batch) {
                batch.name(change, id);
            }
            s.setObject(1, id);
            s.setString(2, change.database);
            s.setString(3, change.schema);
            s.setString(4, change.table);
            s.setString(5, change.primaryKey);
            s.setString(6, change.operation.name());
            s.setString(7, change.before);
            s.setString(8, change.after);
            s.setString(9, change.context);
            s.setObject(10, timestamp(change.committedAt));
            s.setObject(11, timestamp(change.queuedAt));
            s.setLong(12, change.transactionId);
            s.setLong(13, change.position);
            // the marker of values stored in fallback form: their columns, NULL when every value is exact
            s.setObject(14, change.fallbackColumns == null ? null : s.getConnection().createArrayOf("text", change.fallbackColumns));
        }

        private static OffsetDateTime timestamp(long epochMicros) {
            Instant instant = Instant.ofEpochSecond(Math.floorDiv(epochMicros, 1_000_000L),
                    Math.floorMod(epochMicros, 1_000_000L) * 1_000L);
            return instant.atOffset(ZoneOffset.UTC);
        }
    }

    /** The sink's connections, whose statements fail naming their batch's changes and never their values. */
    static final class NamingConnections implements JdbcConnectionProvider {
        private static final long serialVersionUID = 1L;

        private final JdbcConnectionProvider connections;
        /** Built in the writer's task and never serialized after; null for the committer. */
        private final transient StoredChanges stored;
        private transient Connection connection;
        private transient Connection naming;

        NamingConnections(JdbcConnectionProvider connections, StoredChanges stored) {
            this.connections = connections;
            this.stored = stored;
        }

        @Override
        public Connection getConnection() {
            return naming(connections.getConnection());
        }

        @Override
        public Properties getProperties() {
            return connections.getProperties();
        }

        @Override
        public boolean isConnectionValid() throws SQLException {
            return connections.isConnectionValid();
        }

        @Override
        public Connection getOrEstablishConnection() throws SQLException, ClassNotFoundException {
            return naming(connections.getOrEstablishConnection());
        }

        @Override
        public void closeConnection() {
            connections.closeConnection();
            connection = null;
            naming = null;
        }

        @Override
        public Connection reestablishConnection() throws SQLException, ClassNotFoundException {
            return naming(connections.reestablishConnection());
        }

        private Connection naming(Connection c) {
            if (c == null) {
                return null;
            }
            if (c != connection) {
                connection = c;
                naming = (Connection) Proxy.newProxyInstance(ChangesSink.class.getClassLoader(), new Class<?>[] {Connection.class},
                        (proxy, method, args) -> {
                            Object result = call(c, method, args);
                            return result instanceof PreparedStatement statement && method.getName().equals("prepareStatement")
                                    ? namingStatement(statement, stored) : result;
                        });
            }
            return naming;
        }
    }

    static PreparedStatement namingStatement(PreparedStatement statement, StoredChanges stored) {
        return (PreparedStatement) Proxy.newProxyInstance(ChangesSink.class.getClassLoader(),
                new Class<?>[] {PreparedStatement.class, NamedBatch.class}, new NamingStatement(statement, stored));
    }

    /**
     * Remembers which change each batch entry is; a failed batch throws an error naming them, without the driver's,
     * and a written one is counted in {@code stored} (when given).
     */
    static final class NamingStatement implements InvocationHandler {
        private final PreparedStatement statement;
        private final StoredChanges stored;
        private final List<Change> changes = new ArrayList<>();
        private final List<UUID> ids = new ArrayList<>();

        NamingStatement(PreparedStatement statement, StoredChanges stored) {
            this.statement = statement;
            this.stored = stored;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (method.getDeclaringClass() == NamedBatch.class) {
                changes.add((Change) args[0]);
                ids.add((UUID) args[1]);
                return null;
            }
            switch (method.getName()) {
                case "executeBatch":
                case "executeLargeBatch":
                    try {
                        Object result = call(statement, method, args);
                        // the sink's connections commit each statement: the batch is stored now
                        if (stored != null) {
                            stored.stored(changes);
                        }
                        return result;
                    } catch (SQLException e) {
                        throw failed(e);
                    } finally {
                        changes.clear();
                        ids.clear();
                    }
                case "clearBatch":
                    changes.clear();
                    ids.clear();
                    return call(statement, method, args);
                default:
                    return call(statement, method, args);
            }
        }

        /** The error of a failed batch: what the server said, without its detail, and which changes the batch held. */
        private SQLException failed(SQLException e) {
            StringBuilder message = new StringBuilder("Storing ").append(changes.size()).append(" change")
                    .append(changes.size() == 1 ? "" : "s").append(" failed: ").append(primaryMessage(e))
                    .append(". The batch held (table, WAL position, id):");
            for (int i = 0; i < Math.min(changes.size(), NAMED_IN_ERROR); i++) {
                Change c = changes.get(i);
                message.append(i == 0 ? " " : "; ").append(c.schema).append('.').append(c.table).append(' ')
                        .append(Change.lsn(c.position)).append(' ').append(ids.get(i));
            }
            if (changes.size() > NAMED_IN_ERROR) {
                message.append("; and ").append(changes.size() - NAMED_IN_ERROR).append(" more");
            }
            // no cause: the driver's exceptions carry the statement and the server's message parts, values included
            return new SQLException(message.toString(), e.getSQLState());
        }

        /** Severity and message of the server's error, never its DETAIL or WHERE; else the driver's own innermost message. */
        static String primaryMessage(SQLException e) {
            Throwable root = e;
            for (Throwable t = e; t != null; t = t.getCause() != null ? t.getCause()
                    : t instanceof SQLException sql ? sql.getNextException() : null) {
                if (t instanceof PSQLException psql && psql.getServerErrorMessage() != null) {
                    ServerErrorMessage server = psql.getServerErrorMessage();
                    return server.getSeverity() + ": " + server.getMessage() + " (SQLState " + server.getSQLState() + ")";
                }
                root = t;
            }
            // a driver-side error (connection closed, I/O), whose messages name no values
            return root.getClass().getSimpleName() + ": " + root.getMessage();
        }
    }

    private static Object call(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
