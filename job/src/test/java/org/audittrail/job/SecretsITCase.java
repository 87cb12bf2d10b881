package org.audittrail.job;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The database password appears nowhere: not in the logs, not in what the web UI shows of the job. */
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
}
