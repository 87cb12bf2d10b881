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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.audittrail.job.db.Database;
import org.audittrail.job.testing.Cli;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase;
import org.audittrail.job.testing.TestSshServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The database passwords and row data appear nowhere: not in the logs, not in what the web UI shows of the job.
 * Passwords come from files as well, and a password option never takes its value from the next argument; nor does a
 * client key's passphrase option (TlsITCase shows the passphrase kept out of logs and the web UI). An SSH tunnel's
 * private key and its passphrase appear nowhere either.
 */
class SecretsITCase extends JobTestBase {

    /** The destination role's password, another one no log line may contain. */
    static final String DESTINATION_PASSWORD = "dest-pw-4b7d-never-logged";

    @BeforeAll
    static void createSchema() throws Exception {
        db.executeFixture("fixtures/todo-schema.sql");
        // a real password check, so every connection of the job must present the password it was given
        db.execute("ALTER USER postgres PASSWORD '" + TestDatabase.PASSWORD + "'");
        Path hba = Path.of((String) db.value("SHOW hba_file"));
        Files.writeString(
                hba,
                String.join(
                        "\n",
                        "local all all trust",
                        "host all all 127.0.0.1/32 scram-sha-256",
                        "host all all ::1/128 scram-sha-256",
                        "host replication all 127.0.0.1/32 scram-sha-256",
                        "host replication all ::1/128 scram-sha-256",
                        ""));
        db.value("SELECT pg_reload_conf()");
        // a destination with a role and password of its own, so each password file is shown to reach its database
        db.execute(
                // CREATEROLE: the job makes the change browser's role
                "CREATE ROLE auditor LOGIN CREATEROLE PASSWORD '" + DESTINATION_PASSWORD + "'",
                "CREATE DATABASE audit OWNER auditor");
    }

    /** A password file as secrets are mounted, a line break at its end (as echo writes it). */
    private static Path passwordFile(String name, String password) throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "secrets"));
        return Files.writeString(dir.resolve(name), password + "\n");
    }

    /** The source's settings without a password, then {@code extra}. */
    private static String[] withoutPassword(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of(
                "--db-host",
                "localhost",
                "--db-port",
                String.valueOf(db.port()),
                "--db-name",
                "postgres",
                "--db-user",
                "postgres",
                "--destination-db-name",
                "audit",
                "--destination-db-user",
                "auditor"));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    @Test
    void passwordFilesWorkForSourceAndDestinationAsOptionsAndAsVariables() throws Exception {
        Path source = passwordFile("db-password", TestDatabase.PASSWORD);
        Path destination = passwordFile("destination-db-password", DESTINATION_PASSWORD);

        // options: the job reads the source with one file's password and stores into audit, as auditor, with the
        // other's
        // and makes the change browser's role at its start, with the password of a third file
        Path browser = passwordFile("browser-role-password", "br-pw-17c9e0");
        job.submit(withoutPassword(
                "--db-password-file",
                source.toString(),
                "--destination-db-password-file=" + destination,
                "--browser-role=secrets_browser",
                "--browser-role-password-file=" + browser));
        db.execute("INSERT INTO todo (task) VALUES ('from files')");
        Database audit = new Database("localhost", db.port(), "audit", "auditor", DESTINATION_PASSWORD);
        TestDatabase.poll(
                () -> count(audit, "SELECT count(*) FROM changes WHERE after->>'task' = 'from files'") == 1,
                Duration.ofSeconds(60),
                "the change stored in audit");
        job.cancel();
        Database asBrowser = new Database("localhost", db.port(), "audit", "secrets_browser", "br-pw-17c9e0");
        assertThat(count(asBrowser, "SELECT count(*) FROM changes WHERE after->>'task' = 'from files'"))
                .isEqualTo(1);

        // variables, as the official PostgreSQL image takes them: setup connects to both databases with them
        Cli.Result setup = Cli.inNewJvm(
                Map.of("DB_PASSWORD_FILE", source.toString(), "DESTINATION_DB_PASSWORD_FILE", destination.toString()),
                withoutPassword("setup"));
        assertThat(setup.exit()).as(setup.err()).isZero();
        assertThat(setup.err())
                .contains("Setup done: source postgres@localhost:" + db.port()
                        + "/postgres, destination auditor@localhost:" + db.port() + "/audit")
                .doesNotContain(TestDatabase.PASSWORD)
                .doesNotContain(DESTINATION_PASSWORD);

        // a wrong file is refused by the server, proof that the file is what is used
        Path wrong = passwordFile("wrong-password", "not-the-password");
        Cli.Result refused = Cli.inNewJvm(
                Map.of("DB_PASSWORD_FILE", source.toString(), "DESTINATION_DB_PASSWORD_FILE", wrong.toString()),
                withoutPassword("setup"));
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("password authentication failed for user \"auditor\"");

        // the variable and its _FILE form exclude each other, as in the PostgreSQL image; a missing file is named, not
        // read
        Cli.Result both = Cli.inNewJvm(
                Map.of("DB_PASSWORD", TestDatabase.PASSWORD, "DB_PASSWORD_FILE", source.toString()),
                withoutPassword("setup"));
        assertThat(both.exit()).isEqualTo(1);
        assertThat(both.err())
                .contains("Both DB_PASSWORD and DB_PASSWORD_FILE are set, but they exclude each other")
                .doesNotContain(TestDatabase.PASSWORD);
        Cli.Result missing = Cli.run(withoutPassword("setup", "--db-password-file", "target/secrets/none"));
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err())
                .contains(
                        "Cannot read the password file target/secrets/none given by --db-password-file: NoSuchFileException");

        Path log = Path.of("target", "test.log");
        assertThat(Files.readString(log))
                .doesNotContain(TestDatabase.PASSWORD)
                .doesNotContain(DESTINATION_PASSWORD)
                .doesNotContain("br-pw-17c9e0");
    }

    @Test
    void passwordOptionFollowedByItsValueIsRefusedWithoutRepeatingIt() throws Exception {
        // a client key's passphrase is a secret as a password is
        for (String option : List.of(
                "--db-password",
                "--destination-db-password",
                "--db-sslpassword",
                "--destination-db-sslpassword",
                "--ssh-key-passphrase")) {
            Cli.Result result = Cli.run(withoutPassword("setup", option, TestDatabase.PASSWORD));
            assertThat(result.exit()).as(option).isEqualTo(2);
            assertThat(result.err())
                    .as(option)
                    .contains(option + " takes its value only as " + option + "=<password>, in one argument")
                    .contains(option + "-file=<file>")
                    .doesNotContain(TestDatabase.PASSWORD);
            // the job refuses it before it is built
            assertThatThrownBy(() -> job.submit(withoutPassword(option, TestDatabase.PASSWORD)))
                    .hasMessageContaining(option + " takes its value only as")
                    .hasMessageNotContaining(TestDatabase.PASSWORD);
        }

        // why: Flink's client logs the program arguments so, masking the one that names a password, never the next one
        String marker = "shown-" + UUID.randomUUID();
        Path log = Path.of("target", "test.log");
        EnvironmentInformation.logEnvironmentInfo(
                LoggerFactory.getLogger(SecretsITCase.class),
                "Command Line Client",
                new String[] {"--db-password=" + TestDatabase.PASSWORD, "--db-password", marker});
        TestDatabase.poll(() -> read(log).contains(marker), Duration.ofSeconds(10), "the program arguments in the log");
        assertThat(read(log)).doesNotContain(TestDatabase.PASSWORD);
    }

    private static long count(Database database, String sql) {
        try (var c = database.connect();
                var s = c.createStatement();
                var rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            return -1; // the table may not exist yet
        }
    }

    /** The passphrase of the SSH tunnel's key, which no log line or page may contain. */
    static final String SSH_PASSPHRASE = "ssh-pass-51c0-never-logged";

    @Test
    void sshKeyAndItsPassphraseAreNeitherLoggedNorShown() throws Exception {
        Path dir = Cli.freshDirectory(Path.of("target", "secrets-ssh").toAbsolutePath());
        Path passphrase = Files.writeString(dir.resolve("ssh-passphrase"), SSH_PASSPHRASE + "\n");
        Path key = dir.resolve("id_ed25519");
        Cli.Output keygen = Cli.withJarDependencies(
                "ssh-keygen", "--out", key.toString(), "--passphrase-file", passphrase.toString());
        assertThat(keygen.exit()).as(keygen.err()).isZero();
        assertThat(keygen.out() + keygen.err()).doesNotContain(SSH_PASSPHRASE);
        // the key's secret part: every line of the file between its armour lines
        List<String> keyLines = Files.readAllLines(key).stream()
                .filter(line -> !line.startsWith("-----"))
                .toList();
        assertThat(keyLines).isNotEmpty();
        Path authorizedKeys = Files.writeString(dir.resolve("authorized_keys"), keygen.out());
        Files.setPosixFilePermissions(
                authorizedKeys, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        try (TestSshServer jumpHost = new TestSshServer(authorizedKeys).start()) {
            Path knownHosts = Files.writeString(dir.resolve("known_hosts"), jumpHost.knownHostsLine() + "\n");
            Map<String, String> ssh = Map.of(
                    "SSH_HOST",
                    "127.0.0.1",
                    "SSH_PORT",
                    String.valueOf(jumpHost.port()),
                    "SSH_USER",
                    TestSshServer.USER,
                    "SSH_KEY_FILE",
                    key.toString(),
                    "SSH_KNOWN_HOSTS",
                    knownHosts.toString());
            List<String> args = new java.util.ArrayList<>(List.of(db.args()));
            ssh.forEach((variable, value) ->
                    args.addAll(List.of("--" + variable.toLowerCase().replace('_', '-'), value)));

            // setup in a container: the settings as variables, the passphrase from a file
            Map<String, String> environment = new java.util.HashMap<>(ssh);
            environment.put("SSH_KEY_PASSPHRASE_FILE", passphrase.toString());
            Cli.Result setup = Cli.inNewJvm(environment, db.args("setup"));
            assertThat(setup.exit()).as(setup.err()).isZero();
            assertThat(setup.err())
                    .contains("ssh tunnel@127.0.0.1:" + jumpHost.port())
                    .doesNotContain(SSH_PASSPHRASE);
            // a wrong passphrase, or none, is refused without showing either
            Cli.Result wrong = Cli.run(concat(args, "setup", "--ssh-key-passphrase=not-the-ssh-passphrase"));
            assertThat(wrong.exit()).isEqualTo(1);
            assertThat(wrong.err())
                    .contains("Cannot read the SSH private key " + key + " (")
                    .contains("check its passphrase")
                    .doesNotContain("not-the-ssh-passphrase")
                    .doesNotContain(SSH_PASSPHRASE);
            Cli.Result none = Cli.run(concat(args, "setup"));
            assertThat(none.exit()).isEqualTo(1);
            assertThat(none.err()).contains("if it is encrypted, give its passphrase with --ssh-key-passphrase-file");

            job.submit(concat(args, "--ssh-key-passphrase-file", passphrase.toString()));
            db.execute("INSERT INTO todo (task) VALUES ('through the jump host')");
            db.await(
                    "SELECT * FROM changes WHERE after->>'task' = 'through the jump host'",
                    r -> r.size() == 1,
                    Duration.ofSeconds(60));
            assertThat(jumpHost.forwardedTo).isNotEmpty();

            job.pagesShowingTheJob().forEach((path, page) -> {
                assertThat(page).as(path).doesNotContain(SSH_PASSPHRASE).doesNotContain(TestDatabase.PASSWORD);
                keyLines.forEach(line -> assertThat(page).as(path).doesNotContain(line));
            });
        }
        String log = read(Path.of("target", "test.log"));
        assertThat(log).doesNotContain(SSH_PASSPHRASE).doesNotContain("not-the-ssh-passphrase");
        keyLines.forEach(line -> assertThat(log).doesNotContain(line));
    }

    private static String[] concat(List<String> args, String... extra) {
        List<String> all = new java.util.ArrayList<>(args);
        all.addAll(List.of(extra));
        return all.toArray(new String[0]);
    }

    @Test
    void passwordIsNeitherLoggedNorShown() throws Exception {
        assertThat(Cli.run(db.args("setup", "--db-password=wrong")).err()).contains("password authentication failed");
        job.submit(db.args());
        db.execute("INSERT INTO todo (task) VALUES ('secret-free')");
        db.awaitChanges(1);

        job.pagesShowingTheJob()
                .forEach((path, page) -> assertThat(page).as(path).doesNotContain(TestDatabase.PASSWORD));

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
        db.execute("ALTER TABLE changes ADD CONSTRAINT refuses_marker CHECK (after->>'task' IS DISTINCT FROM '" + marker
                + "')");
        db.execute("INSERT INTO todo (task) VALUES ('" + marker + "')");
        String exceptions = job.awaitException("refuses_marker");
        Path log = Path.of("target", "test.log");
        TestDatabase.poll(
                () -> read(log).contains("violates check constraint \"refuses_marker\""),
                Duration.ofSeconds(30),
                "the failed batch in the log");

        // no values where the failure is shown: not the row, not the statement's parameters
        assertThat(exceptions).doesNotContain(marker).doesNotContain(TestDatabase.PASSWORD);
        assertThat(read(log)).doesNotContain(marker).doesNotContain(TestDatabase.PASSWORD);

        // once the destination takes it, the job recovers and loses nothing
        db.execute("ALTER TABLE changes DROP CONSTRAINT refuses_marker");
        db.execute("INSERT INTO todo (task) VALUES ('last')");
        List<Map<String, Object>> rows = db.await(
                "SELECT id, position, after->>'task' AS task FROM changes ORDER BY position",
                r -> r.size() >= 3,
                Duration.ofSeconds(90));
        assertThat(rows).extracting(r -> r.get("task")).containsExactly("first", marker, "last");
        // the failure names the table, the WAL position and the id of the change instead
        Map<String, Object> refused = rows.get(1);
        assertThat(exceptions)
                .contains("public.todo " + db.value("SELECT ('0/0'::pg_lsn + " + refused.get("position") + ")::text")
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
        return HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(rest.resolve(path)).build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }
}
