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
package org.audittrail.job.sink;

import java.io.IOException;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.StatefulSink;
import org.apache.flink.api.connector.sink2.TwoPhaseCommittingSink;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.connector.jdbc.core.datastream.sink.committer.JdbcCommitable;
import org.apache.flink.connector.jdbc.core.datastream.sink.writer.JdbcWriterState;
import org.apache.flink.connector.jdbc.datasource.connections.SimpleJdbcConnectionProvider;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.audittrail.job.db.Database;
import org.audittrail.udf.model.Change;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * The sink writing into {@code changes}: batched COPY ({@link CopyWriter}), idempotent on the deterministic change id.
 *
 * <p>Row data never reaches a log line or an exception: pgjdbc's {@code logServerErrorDetail=false} keeps the
 * server's DETAIL and WHERE (which quote the row) out of its messages, and a failed batch is reported as the server's
 * primary message and the table, WAL position and id of its changes. Each written batch is counted in the writer's
 * {@link StoredChanges} metrics.
 */
public final class ChangesSink {

    private ChangesSink() {}

    /** Most changes a failed batch's error names; the rest are counted. */
    static final int NAMED_IN_ERROR = 10;

    /** Writes every {@code batchSize} changes, when its input is idle, after {@code flushIntervalMs} at most, and at each checkpoint. */
    public static Sink<Change> create(Database destination, int batchSize, long flushIntervalMs) {
        return new MeasuredSink(destination, batchSize, flushIntervalMs);
    }

    /**
     * The COPY writer, with its {@link StoredChanges} metrics, in the JDBC sink's frame: its committer, state and
     * serializers, which the COPY writer leaves empty, so the operators and savepoints are those of the JDBC sink this
     * job had before.
     */
    static final class MeasuredSink
            implements StatefulSink<Change, JdbcWriterState>, TwoPhaseCommittingSink<Change, JdbcCommitable> {
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
        public CopyWriter createWriter(InitContext context) {
            return restoreWriter(context, List.of());
        }

        @Override
        public CopyWriter restoreWriter(InitContext context, Collection<JdbcWriterState> state) {
            // built here, in the writer's task, as the metrics exist only there
            return new CopyWriter(
                    destination,
                    batchSize,
                    flushIntervalMs,
                    new StoredChanges(
                            context.metricGroup(),
                            context.getJobInfo().getJobId().toString()),
                    context.getProcessingTimeService());
        }

        @Override
        public Committer<JdbcCommitable> createCommitter() throws IOException {
            return frame().createCommitter();
        }

        @Override
        public SimpleVersionedSerializer<JdbcCommitable> getCommittableSerializer() {
            return frame().getCommittableSerializer();
        }

        @Override
        public SimpleVersionedSerializer<JdbcWriterState> getWriterStateSerializer() {
            return frame().getWriterStateSerializer();
        }

        /** The at-least-once JDBC sink whose committer (which receives nothing) and serializers this sink keeps. */
        private JdbcSink<Change> frame() {
            return JdbcSink.<Change>builder()
                    .withQueryStatement("SELECT 1", (statement, change) -> {})
                    .buildAtLeastOnce(
                            new SimpleJdbcConnectionProvider(new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                                    .withUrl(destination.jdbcUrl())
                                    .withDriverName("org.postgresql.Driver")
                                    .build()));
        }
    }

    /** The error of a failed batch: what the server said, without its detail, and which changes the batch held. */
    static SQLException failure(SQLException e, List<Change> changes, List<UUID> ids) {
        StringBuilder message = new StringBuilder("Storing ")
                .append(changes.size())
                .append(" change")
                .append(changes.size() == 1 ? "" : "s")
                .append(" failed: ")
                .append(primaryMessage(e))
                .append(". The batch held (table, WAL position, id):");
        for (int i = 0; i < Math.min(changes.size(), NAMED_IN_ERROR); i++) {
            Change c = changes.get(i);
            message.append(i == 0 ? " " : "; ")
                    .append(c.schema)
                    .append('.')
                    .append(c.table)
                    .append(' ')
                    .append(Change.lsn(c.position))
                    .append(' ')
                    .append(ids.get(i));
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
        for (Throwable t = e;
                t != null;
                t = t.getCause() != null
                        ? t.getCause()
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
