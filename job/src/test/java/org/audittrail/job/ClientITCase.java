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
package org.audittrail.job;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.audittrail.client.BemiContext;
import org.audittrail.client.BemiDataSource;
import org.audittrail.client.hibernate.BemiStatementInspector;
import org.audittrail.job.db.Database;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase;
import org.audittrail.udf.values.Json;
import org.hibernate.SessionFactory;
import org.hibernate.boot.MetadataSources;
import org.hibernate.boot.registry.StandardServiceRegistry;
import org.hibernate.boot.registry.StandardServiceRegistryBuilder;
import org.hibernate.cfg.AvailableSettings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.ds.PGSimpleDataSource;

/** The Java client end to end: writes through its DataSource wrapper and through Hibernate, contexts read back from changes. */
class ClientITCase extends JobTestBase {

    static final String POST = "{\"user_id\": 187234, \"endpoint\": \"/todo\", \"method\": \"POST\"}";
    static final String PUT = "{\"user_id\": 187234, \"endpoint\": \"/todo/complete\", \"method\": \"PUT\"}";
    static final String DELETE = "{\"user_id\": 187234, \"endpoint\": \"/todo/27\", \"method\": \"DELETE\"}";

    @BeforeAll
    static void createSchema() {
        db.executeFixture("fixtures/todo-schema.sql");
    }

    /** {@code json} as the changes table's jsonb column gives it back (PostgreSQL's key order). */
    static String jsonb(String json) {
        return (String) db.value("SELECT '" + json.replace("'", "''") + "'::jsonb::text");
    }

    /** The embedded server as an application's pool would hand it out. */
    static DataSource server() {
        Database d = db.database();
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {"localhost"});
        ds.setPortNumbers(new int[] {d.port()});
        ds.setDatabaseName("postgres");
        ds.setUser("postgres");
        ds.setPassword(TestDatabase.PASSWORD);
        return ds;
    }

    @Test
    void plainJdbcThroughTheWrapper() throws Exception {
        // before the job starts, so that it captures none of it
        db.execute("TRUNCATE todo", "ALTER SEQUENCE todo_id_seq RESTART WITH 26");
        job.submit(db.args());
        DataSource ds = new BemiDataSource(server());
        try (Connection c = ds.getConnection()) {
            try (BemiContext.Scope scope =
                    BemiContext.with(Map.of("user_id", 187234, "endpoint", "/todo", "method", "POST"))) {
                int expectedId = 26;
                for (String task : List.of("Sleep", "Eat", "Repeat")) {
                    // pgjdbc appends its RETURNING after the comment: still one statement, the comment still in it
                    try (PreparedStatement s =
                            c.prepareStatement("INSERT INTO todo (task) VALUES (?)", Statement.RETURN_GENERATED_KEYS)) {
                        s.setString(1, task);
                        s.executeUpdate();
                        try (ResultSet keys = s.getGeneratedKeys()) {
                            keys.next();
                            assertThat(keys.getInt("id")).isEqualTo(expectedId++);
                        }
                        assertThat(s.getConnection()).isSameAs(c);
                    }
                }
                // the driver's own interfaces stay reachable
                assertThat(c.unwrap(PGConnection.class).getBackendPID()).isPositive();
                // a read under a context is sent as written
                try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT count(*) FROM todo")) {
                    rs.next();
                    assertThat(rs.getInt(1)).isEqualTo(3);
                }
            }
            try (BemiContext.Scope scope =
                            BemiContext.with(Map.of("user_id", 187234, "endpoint", "/todo/complete", "method", "PUT"));
                    Statement s = c.createStatement()) {
                s.executeUpdate("UPDATE todo SET is_completed = true WHERE id = 26");
            }
            try (BemiContext.Scope scope =
                            BemiContext.with(Map.of("user_id", 187234, "endpoint", "/todo/27", "method", "DELETE"));
                    PreparedStatement s = c.prepareStatement("DELETE FROM todo WHERE id = ?")) {
                s.setInt(1, 27);
                s.executeUpdate();
            }
            // no context: no comment
            try (Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO todo (id, task) VALUES (40, 'plain')");
            }
            try (BemiContext.Scope scope = BemiContext.with(Map.of("step", "several"));
                    Statement s = c.createStatement()) {
                // pgjdbc sends these one by one: each gets its own comment
                s.execute("INSERT INTO todo (id, task) VALUES (41, 'a'); INSERT INTO todo (id, task) VALUES (42, 'b')");
                s.addBatch("UPDATE todo SET task = 'A' WHERE id = 41");
                s.addBatch("DELETE FROM todo WHERE id = 42");
                s.executeBatch();
            }
            // over the cap the comment is left off, as Bemi's packages do; the write itself goes through
            try (BemiContext.Scope scope = BemiContext.with(Map.of("big", "x".repeat(BemiContext.MAX_COMMENT_BYTES)));
                    Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO todo (id, task) VALUES (43, 'big')");
            }
        }
        List<Map<String, Object>> rows = settledChanges(11);
        assertThat(rows)
                .extracting(r -> r.get("operation") + " " + r.get("primary_key") + " " + r.get("context"))
                .containsExactly(
                        "CREATE 26 " + jsonb(POST),
                        "CREATE 27 " + jsonb(POST),
                        "CREATE 28 " + jsonb(POST),
                        "UPDATE 26 " + jsonb(PUT),
                        "DELETE 27 " + jsonb(DELETE),
                        "CREATE 40 {}",
                        "CREATE 41 {\"step\": \"several\"}",
                        "CREATE 42 {\"step\": \"several\"}",
                        "UPDATE 41 {\"step\": \"several\"}",
                        "DELETE 42 {\"step\": \"several\"}",
                        "CREATE 43 {}");
    }

    /** Seed 003's todo, as a Hibernate entity. */
    @Entity
    @Table(name = "todo")
    static class Todo {
        @Id
        @GeneratedValue(strategy = GenerationType.IDENTITY)
        Integer id;

        String task;

        @Column(name = "is_completed")
        boolean completed;
    }

    @Test
    void hibernateThroughTheStatementInspector() throws Exception {
        // before the job starts, so that it captures none of it
        db.execute("TRUNCATE todo", "ALTER SEQUENCE todo_id_seq RESTART WITH 26");
        job.submit(db.args());
        StandardServiceRegistry registry = new StandardServiceRegistryBuilder()
                .applySetting(AvailableSettings.DATASOURCE, server())
                .applySetting(AvailableSettings.STATEMENT_INSPECTOR, BemiStatementInspector.class.getName())
                // Hibernate's own comment before each statement: the inspector reads past it
                .applySetting(AvailableSettings.USE_SQL_COMMENTS, true)
                .build();
        try (SessionFactory sessions = new MetadataSources(registry)
                .addAnnotatedClass(Todo.class)
                .buildMetadata()
                .buildSessionFactory()) {
            try (BemiContext.Scope scope =
                    BemiContext.with(Map.of("user_id", 187234, "endpoint", "/todo", "method", "POST"))) {
                sessions.inTransaction(session -> {
                    for (String task : List.of("Sleep", "Eat", "Repeat")) {
                        Todo todo = new Todo();
                        todo.task = task;
                        session.persist(todo);
                    }
                });
            }
            // Hibernate sends an update at flush: the context of that moment is the one it carries
            try (BemiContext.Scope scope =
                    BemiContext.with(Map.of("user_id", 187234, "endpoint", "/todo/complete", "method", "PUT"))) {
                sessions.inTransaction(session -> session.find(Todo.class, 26).completed = true);
            }
            try (BemiContext.Scope scope =
                    BemiContext.with(Map.of("user_id", 187234, "endpoint", "/todo/27", "method", "DELETE"))) {
                sessions.inTransaction(session -> session.remove(session.find(Todo.class, 27)));
            }
            sessions.inTransaction(session -> session.find(Todo.class, 28).task = "Repeat without context");
        }
        List<Map<String, Object>> rows = settledChanges(6);
        assertThat(rows)
                .extracting(r -> r.get("operation") + " " + r.get("primary_key") + " " + r.get("context"))
                .containsExactly(
                        "CREATE 26 " + jsonb(POST),
                        "CREATE 27 " + jsonb(POST),
                        "CREATE 28 " + jsonb(POST),
                        "UPDATE 26 " + jsonb(PUT),
                        "DELETE 27 " + jsonb(DELETE),
                        "UPDATE 28 {}");
        assertThat(Json.parse(rows.get(3).get("after").toString()))
                .isEqualTo(Json.parse("{\"id\": 26, \"task\": \"Sleep\", \"is_completed\": true}"));
    }
}
