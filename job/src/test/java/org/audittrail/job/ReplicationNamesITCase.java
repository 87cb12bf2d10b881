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

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.audittrail.job.db.Database;
import org.audittrail.job.testing.Cli;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase;
import org.audittrail.job.testing.TestJob;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** --slot-name and --publication-name: two databases of one server, tracked by two jobs into one changes table. */
class ReplicationNamesITCase extends JobTestBase {

    static final String[] SECOND = {
        "--db-name",
        "second",
        "--slot-name",
        "second_slot",
        "--publication-name",
        "second_pub",
        "--destination-db-name",
        "audit"
    };

    @BeforeAll
    static void createDatabases() throws SQLException {
        db.execute(
                "CREATE DATABASE second",
                "CREATE DATABASE audit",
                "CREATE TABLE todo (id serial PRIMARY KEY, task text)");
        execute(db.database("second"), "CREATE TABLE todo (id serial PRIMARY KEY, task text)");
    }

    @Test
    void twoDatabasesOfOneServerGoIntoOneChangesTableEachThroughItsOwnSlotAndPublication() throws Exception {
        job.submit(db.args("--destination-db-name", "audit"));
        // slot names are the server's: a second database with Bemi's is refused, naming the fix
        Cli.Result clash = Cli.run(db.args("setup", "--db-name", "second", "--destination-db-name", "audit"));
        assertThat(clash.exit()).isEqualTo(1);
        assertThat(clash.err()).contains("Replication slot bemi already exists for database postgres");
        assertThat(Cli.run(db.args("setup", "--db-name", "second", "--slot-name", "Second"))
                        .err())
                .contains("--slot-name is 'Second': use lowercase letters, digits and _, at most 63");

        TestJob second = new TestJob(cluster).submit(db.args(SECOND));
        try {
            db.execute("INSERT INTO todo (task) VALUES ('first database')");
            execute(db.database("second"), "INSERT INTO todo (task) VALUES ('second database')");
            List<String> stored = new ArrayList<>();
            TestDatabase.poll(
                    () -> {
                        stored.clear();
                        stored.addAll(strings(
                                db.database("audit"),
                                "SELECT database || ' ' || (after ->> 'task') FROM changes ORDER BY database"));
                        return stored.size() >= 2;
                    },
                    Duration.ofSeconds(60),
                    "a change of each database in audit's changes");
            assertThat(stored).containsExactly("postgres first database", "second second database");

            assertThat(strings(
                            db.database(), "SELECT slot_name || ' ' || database FROM pg_replication_slots ORDER BY 1"))
                    .containsExactly("bemi postgres", "second_slot second");
            assertThat(strings(db.database(), "SELECT pubname FROM pg_publication"))
                    .containsExactly("bemi");
            assertThat(strings(db.database("second"), "SELECT pubname FROM pg_publication"))
                    .containsExactly("second_pub");
        } finally {
            second.cancel();
        }
        // disconnect removes only its own slot and publication
        TestDatabase.poll(
                () -> strings(db.database(), "SELECT slot_name FROM pg_replication_slots WHERE active")
                        .equals(List.of("bemi")),
                Duration.ofSeconds(30),
                "the second job's slot to be released");
        Cli.Result disconnect = Cli.run(db.args(concat("disconnect", SECOND)));
        assertThat(disconnect.exit()).as(disconnect.err()).isZero();
        assertThat(strings(db.database(), "SELECT slot_name FROM pg_replication_slots"))
                .containsExactly("bemi");
        assertThat(strings(db.database("second"), "SELECT pubname FROM pg_publication"))
                .isEmpty();
        assertThat(strings(db.database(), "SELECT pubname FROM pg_publication")).containsExactly("bemi");
    }

    private static String[] concat(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    private static void execute(Database database, String... statements) throws SQLException {
        try (Connection c = database.connect();
                Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    private static List<String> strings(Database database, String sql) {
        List<String> values = new ArrayList<>();
        try (Connection c = database.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return values;
    }
}
