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
package org.audittrail.demo;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An embedded PostgreSQL server with logical decoding on, for the demo. */
final class EmbeddedDatabase implements AutoCloseable {

    /** The embedded server trusts local logins; the job is given a password all the same, as it would be in production. */
    static final String PASSWORD = "demo";

    private final EmbeddedPostgres postgres;

    private EmbeddedDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    static EmbeddedDatabase start() throws IOException {
        return new EmbeddedDatabase(EmbeddedPostgres.builder()
                .setServerConfig("wal_level", "logical")
                .setServerConfig("max_replication_slots", "10")
                .setServerConfig("max_wal_senders", "10")
                // zonky turns it off, which delays visibility by up to a second
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("timezone", "UTC")
                .start());
    }

    int port() {
        return postgres.getPort();
    }

    /** The job's command-line arguments for this server. */
    String[] args() {
        return new String[] {
            "--db-host",
            "localhost",
            "--db-port",
            String.valueOf(port()),
            "--db-name",
            "postgres",
            "--db-user",
            "postgres",
            "--db-password=" + PASSWORD
        };
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://localhost:" + port() + "/postgres", "postgres", PASSWORD);
    }

    /** Runs statements, each in its own transaction. */
    void execute(String... statements) throws SQLException {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    /** Runs a SQL script of the demo's resources. */
    void executeResource(String resource) throws IOException, SQLException {
        try (InputStream in = EmbeddedDatabase.class.getResourceAsStream("/" + resource)) {
            execute(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /** The rows of a query, each column by name. */
    List<Map<String, Object>> query(String sql) throws SQLException {
        try (Connection c = connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            List<Map<String, Object>> rows = new ArrayList<>();
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.put(meta.getColumnLabel(i), rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        }
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
