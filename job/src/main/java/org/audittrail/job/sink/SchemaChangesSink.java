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

import java.sql.Connection;
import java.sql.SQLException;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.connector.jdbc.datasource.connections.JdbcConnectionProvider;
import org.audittrail.job.db.Database;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.model.ChangeId;

/**
 * The sink of the schema history: each DDL ({@code Operation.SCHEMA}) into {@code schema_changes}, through the JDBC
 * connector, idempotent on the change id, so a replay after a restore stores nothing twice. A few rows a day: plain
 * batched INSERTs, flushed within a second and at each checkpoint.
 */
public final class SchemaChangesSink {

    static final String INSERT =
            "INSERT INTO schema_changes (\"id\", \"database\", \"schema\", \"table\", \"relation\","
                    + " \"command\", \"columns\", \"context\", \"committed_at\", \"transaction_id\", \"position\")"
                    + " VALUES (?, ?, ?, ?, ((?::jsonb)->>'relation')::bigint, (?::jsonb)->>'command', (?::jsonb)->'columns', ?::jsonb,"
                    + " timestamptz 'epoch' + ? * interval '1 microsecond', ?, ?) ON CONFLICT (\"id\") DO NOTHING";

    private SchemaChangesSink() {}

    public static Sink<Change> create(Database destination) {
        return JdbcSink.<Change>builder()
                .withQueryStatement(INSERT, (statement, change) -> {
                    statement.setObject(1, ChangeId.of(change));
                    statement.setString(2, change.database);
                    statement.setString(3, change.schema);
                    statement.setString(4, change.table);
                    statement.setString(5, change.after);
                    statement.setString(6, change.after);
                    statement.setString(7, change.after);
                    statement.setString(8, change.context == null ? "{}" : change.context);
                    statement.setLong(9, change.committedAt);
                    statement.setLong(10, change.transactionId);
                    statement.setLong(11, change.position);
                })
                .withExecutionOptions(JdbcExecutionOptions.builder()
                        .withBatchSize(100)
                        .withBatchIntervalMs(1_000)
                        .withMaxRetries(3)
                        .build())
                .buildAtLeastOnce(new Connections(destination));
    }

    /** The destination's connections as the job opens them (TLS, SSH tunnel, no row data in server errors). */
    static final class Connections implements JdbcConnectionProvider {
        private static final long serialVersionUID = 1L;

        private final Database database;
        private transient Connection connection;

        Connections(Database database) {
            this.database = database;
        }

        @Override
        public Connection getConnection() {
            return connection;
        }

        @Override
        public boolean isConnectionValid() throws SQLException {
            return connection != null && connection.isValid(5);
        }

        @Override
        public Connection getOrEstablishConnection() throws SQLException {
            if (connection == null) {
                connection = database.connect();
            }
            return connection;
        }

        @Override
        public void closeConnection() {
            connection = Database.closeQuietly(connection);
        }

        @Override
        public Connection reestablishConnection() throws SQLException {
            closeConnection();
            return getOrEstablishConnection();
        }
    }
}
