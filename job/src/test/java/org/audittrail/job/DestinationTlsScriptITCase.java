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

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.audittrail.job.db.Database;
import org.audittrail.job.db.Tls;
import org.audittrail.job.testing.Cli;
import org.audittrail.job.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docker-compose's destination TLS: runs {@code docker/destination-tls.sh} as the postgres image runs its init scripts
 * (PGDATA set, the server up), against a real server's data directory, then connects as the job's containers do
 * ({@code verify-full}, the client certificate and key it wrote, a password); a plain connection, one without the
 * client certificate, and one from an address outside DESTINATION_ALLOWED_CIDRS are refused.
 */
class DestinationTlsScriptITCase {

    private static final Path SCRIPT = Path.of(System.getProperty("project.root", ".."))
            .toAbsolutePath()
            .normalize()
            .resolve("docker/destination-tls.sh");
    private static final String PASSWORD = "dest-tls-pw-0c4f";

    static TestDatabase db;
    static Path certs;

    @BeforeAll
    static void firstStartOfTheDestination() throws Exception {
        db = TestDatabase.start();
        Path data = Path.of((String) db.value("SHOW data_directory"));
        // the script writes the image's files: the server's own configuration and access rules are where the server
        // reads them
        assertThat(Path.of((String) db.value("SHOW hba_file"))).isEqualTo(data.resolve("pg_hba.conf"));
        certs = Cli.freshDirectory(Path.of("target", "destination-tls", "certs").toAbsolutePath());
        db.execute("ALTER USER postgres PASSWORD '" + PASSWORD + "'");

        assertThat(Files.isExecutable(SCRIPT))
                .as("the image executes an executable init script, and sources others")
                .isTrue();
        ProcessBuilder builder = new ProcessBuilder(SCRIPT.toString()).redirectErrorStream(true);
        builder.environment()
                .putAll(Map.of(
                        "PGDATA",
                        data.toString(),
                        "DESTINATION_CERTS_DIR",
                        certs.toString(),
                        "DESTINATION_ALLOWED_CIDRS",
                        "127.0.0.1/32",
                        "DESTINATION_HOST_NAMES",
                        "destination localhost 127.0.0.1",
                        "DESTINATION_CLIENT_USER",
                        "postgres"));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).contains("TLS on, client certificates in " + certs + ", connections from: 127.0.0.1/32");
        // the keys the server keeps are its owner's alone, as PostgreSQL demands of ssl_key_file
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("server.key"))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("ca.key"))))
                .isEqualTo("rw-------");
        assertThat(certs.resolve("ca.key")).doesNotExist();

        // the image's init runs before the server's real start; a reload takes TLS and the new rules since PostgreSQL
        // 10
        db.value("SELECT pg_reload_conf()");
        Database destination = new Database("localhost", db.port(), "postgres", "postgres", PASSWORD, verifyFull());
        TestDatabase.poll(
                () -> {
                    try (Connection c = destination.connect()) {
                        return true;
                    } catch (SQLException e) {
                        return false; // the reload is signalled, not awaited
                    }
                },
                Duration.ofSeconds(10),
                "TLS after the reload");
    }

    @AfterAll
    static void stop() throws Exception {
        db.close();
    }

    private static Tls verifyFull() {
        return new Tls(
                "verify-full",
                certs.resolve("root.crt").toString(),
                certs.resolve("client.crt").toString(),
                certs.resolve("client.pk8").toString(),
                null);
    }

    @Test
    void jobConnectsWithVerifiedTlsItsClientCertificateAndPassword() throws Exception {
        // a name and an address the server's certificate holds
        for (String host : new String[] {"localhost", "127.0.0.1"}) {
            Database destination = new Database(host, db.port(), "postgres", "postgres", PASSWORD, verifyFull());
            try (Connection c = destination.connect();
                    Statement s = c.createStatement();
                    ResultSet rs =
                            s.executeQuery("SELECT ssl, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
                rs.next();
                assertThat(rs.getBoolean(1)).isTrue();
                assertThat(rs.getString(2)).isEqualTo("/CN=postgres");
            }
        }
    }

    @Test
    void plainConnectionsMissingCertificatesWrongPasswordsAndOtherAddressesAreRefused() {
        Tls plain = new Tls("disable", null, null, null, null);
        assertThatThrownBy(() -> new Database("127.0.0.1", db.port(), "postgres", "postgres", PASSWORD, plain)
                        .connect()
                        .close())
                .hasMessageContaining("no pg_hba.conf entry for host \"127.0.0.1\"")
                .hasMessageContaining("no encryption");

        Tls withoutCertificate =
                new Tls("verify-full", certs.resolve("root.crt").toString(), null, null, null);
        assertThatThrownBy(
                        () -> new Database("localhost", db.port(), "postgres", "postgres", PASSWORD, withoutCertificate)
                                .connect()
                                .close())
                .hasMessageContaining("connection requires a valid client certificate");

        assertThatThrownBy(() -> new Database("localhost", db.port(), "postgres", "postgres", "wrong", verifyFull())
                        .connect()
                        .close())
                .hasMessageContaining("password authentication failed for user \"postgres\"");

        // from 127.0.0.2, outside the allowed 127.0.0.1/32, with everything else right
        Properties properties = new Properties();
        properties.setProperty("user", "postgres");
        properties.setProperty("password", PASSWORD);
        verifyFull().driverProperties(null).forEach(properties::setProperty);
        properties.setProperty("localSocketAddress", "127.0.0.2");
        assertThatThrownBy(() -> DriverManager.getConnection(
                                "jdbc:postgresql://127.0.0.1:" + db.port() + "/postgres", properties)
                        .close())
                .hasMessageContaining("no pg_hba.conf entry for host \"127.0.0.2\"");
    }
}
