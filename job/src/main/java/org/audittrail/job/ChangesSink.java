package org.audittrail.job;

import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.audittrail.udf.Change;
import org.audittrail.udf.ChangeId;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** The JDBC sink writing into {@code changes}: batched, and idempotent on the deterministic change id. */
public final class ChangesSink {

    /** A replayed change has the same id and commit time, so its second insert is ignored. */
    static final String INSERT = "INSERT INTO changes (\"id\", \"database\", \"schema\", \"table\", \"primary_key\","
            + " \"operation\", \"before\", \"after\", \"context\", \"committed_at\", \"queued_at\", \"transaction_id\","
            + " \"position\") VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?, ?, ?, ?)"
            + " ON CONFLICT DO NOTHING";

    private ChangesSink() {}

    /** Flushes every {@code batchSize} changes or {@code flushIntervalMs}, whichever comes first, and at each checkpoint. */
    public static JdbcSink<Change> create(Database destination, int batchSize, long flushIntervalMs) {
        return JdbcSink.<Change>builder()
                .withQueryStatement(INSERT, new ChangeStatement())
                .withExecutionOptions(JdbcExecutionOptions.builder()
                        .withBatchSize(batchSize)
                        .withBatchIntervalMs(flushIntervalMs)
                        .withMaxRetries(5)
                        .build())
                .buildAtLeastOnce(new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                        .withUrl(destination.jdbcUrl())
                        .withDriverName("org.postgresql.Driver")
                        .withUsername(destination.user())
                        .withPassword(destination.password())
                        .withProperty("ApplicationName", "audit-trail")
                        // one multi-row INSERT per batch rather than one round trip per change
                        .withProperty("reWriteBatchedInserts", "true")
                        .build());
    }

    /** Binds a change to {@link #INSERT}. */
    static final class ChangeStatement implements JdbcStatementBuilder<Change> {
        private static final long serialVersionUID = 1L;

        @Override
        public void accept(PreparedStatement s, Change change) throws SQLException {
            s.setObject(1, ChangeId.of(change));
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
        }

        private static OffsetDateTime timestamp(long epochMicros) {
            Instant instant = Instant.ofEpochSecond(Math.floorDiv(epochMicros, 1_000_000L),
                    Math.floorMod(epochMicros, 1_000_000L) * 1_000L);
            return instant.atOffset(ZoneOffset.UTC);
        }
    }
}
