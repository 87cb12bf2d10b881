package org.audittrail.job;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The database password and row data appear nowhere: not in the logs, not in what the web UI shows of the job. */
class SecretsITCase extends JobTestBase {

    @BeforeAll
    static void createSchema() throws Exception {
        db.executeFixture("fixtures/todo-schema.sql");
        // a real password check, so every connection of the job must present the password it was given
        db.execute("ALTER USER postgres PASSWORD '" + TestDatabase.PASSWORD + "'");
        Path hba = Path.of((String) db.value("SHOW hba_file"));
        Files.writeString(hba, String.join("\n",
                "local all all trust",
                "host all all 127.0.0.1/32 scram-sha-256",
                "host all all ::1/128 scram-sha-256",
                "host replication all 127.0.0.1/32 scram-sha-256",
                "host replication all ::1/128 scram-sha-256", ""));
        db.value("SELECT pg_reload_conf()");
    }

    @Test
    void passwordIsNeitherLoggedNorShown() throws Exception {
        assertThat(SetupITCase.run(db.args("setup", "--db-password", "wrong")).err()).contains("password authentication failed");
        job.submit(db.args());
        db.execute("INSERT INTO todo (task) VALUES ('secret-free')");
        db.awaitChanges(1);

        URI rest = job.restAddress();
        HttpClient http = HttpClient.newHttpClient();
        for (String path : List.of("/jobs/" + job.id(), "/jobs/" + job.id() + "/config", "/jobs/" + job.id() + "/plan",
                "/jobs/" + job.id() + "/exceptions", "/jobmanager/config", "/jobs/overview")) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(rest.resolve(path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            assertThat(response.body()).as(path).doesNotContain(TestDatabase.PASSWORD);
        }

        Path log = Path.of("target", "test.log");
        assertThat(log).exists();
        assertThat(Files.readString(log)).contains("Capturing").doesNotContain(TestDatabase.PASSWORD);
    }

    @Test
    void rowDataOfAFailingBatchIsNeitherLoggedNorShown() throws Exception {
        // new each run: target/test.log is appended to across runs
        String marker = "row-data-" + UUID.randomUUID();
        job.submit(db.args());
        db.execute("INSERT INTO todo (task) VALUES ('first')");
        db.awaitChanges(1);

        // a destination that refuses the row: its batch fails, is retried, fails the job, again and again
        db.execute("ALTER TABLE changes ADD CONSTRAINT refuses_marker CHECK (after->>'task' IS DISTINCT FROM '" + marker + "')");
        db.execute("INSERT INTO todo (task) VALUES ('" + marker + "')");
        String exceptions = job.awaitException("refuses_marker");
        Path log = Path.of("target", "test.log");
        TestDatabase.poll(() -> read(log).contains("violates check constraint \"refuses_marker\""), Duration.ofSeconds(30),
                "the failed batch in the log");

        // no values where the failure is shown: not the row, not the statement's parameters
        assertThat(exceptions).doesNotContain(marker).doesNotContain(TestDatabase.PASSWORD);
        assertThat(read(log)).doesNotContain(marker).doesNotContain(TestDatabase.PASSWORD);

        // once the destination takes it, the job recovers and loses nothing
        db.execute("ALTER TABLE changes DROP CONSTRAINT refuses_marker");
        db.execute("INSERT INTO todo (task) VALUES ('last')");
        List<Map<String, Object>> rows = db.await("SELECT id, position, after->>'task' AS task FROM changes ORDER BY position",
                r -> r.size() >= 3, Duration.ofSeconds(90));
        assertThat(rows).extracting(r -> r.get("task")).containsExactly("first", marker, "last");
        // the failure names the table, the WAL position and the id of the change instead
        Map<String, Object> refused = rows.get(1);
        assertThat(exceptions).contains("public.todo " + db.value("SELECT ('0/0'::pg_lsn + " + refused.get("position") + ")::text")
                + " " + refused.get("id"));
        assertThat(read(job.restAddress(), "/jobs/" + job.id() + "/exceptions")).doesNotContain(marker);
        assertThat(read(log)).doesNotContain(marker);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String read(URI rest, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(rest.resolve(path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
