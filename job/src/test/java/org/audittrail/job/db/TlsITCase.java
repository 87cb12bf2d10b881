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
package org.audittrail.job.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.audittrail.job.db.ssh.SshKeys;
import org.audittrail.job.db.ssh.SshTunnel;
import org.audittrail.job.testing.Cli;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase;
import org.audittrail.job.testing.TestSshServer;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TLS to source and destination: the server requires {@code hostssl ... cert} of the job's role, the test makes its
 * own CA and certificates; verified connections work end to end, a wrong CA, host name or a missing client certificate
 * is refused, and the key's passphrase appears nowhere.
 */
class TlsITCase extends JobTestBase {

    /** The role that logs in by client certificate only. */
    static final String USER = "tls_user";

    /** The passphrase of the client's PKCS-12 key, which no log line or page may contain. */
    static final String KEY_PASSWORD = "key-pass-7e3a-never-logged";

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    static Path dir;
    static Path ca;
    static Path otherCa;
    static Path clientCert;
    static Path clientKey;
    static Path clientP12;
    static Path keyPasswordFile;

    @BeforeAll
    static void serverRequiresClientCertificates() throws Exception {
        dir = Path.of("target", "tls").toAbsolutePath();
        Files.createDirectories(dir);
        KeyPair caKeys = keys();
        X509Certificate caCert =
                certificate("CN=audit-trail test CA", caKeys, "CN=audit-trail test CA", caKeys, true, null);
        KeyPair otherKeys = keys();
        X509Certificate otherCert = certificate("CN=another CA", otherKeys, "CN=another CA", otherKeys, true, null);
        KeyPair serverKeys = keys();
        X509Certificate serverCert =
                certificate("CN=localhost", serverKeys, "CN=audit-trail test CA", caKeys, false, "localhost");
        KeyPair clientKeys = keys();
        X509Certificate client = certificate("CN=" + USER, clientKeys, "CN=audit-trail test CA", caKeys, false, null);

        ca = Files.writeString(dir.resolve("root.crt"), pem("CERTIFICATE", caCert.getEncoded()));
        otherCa = Files.writeString(dir.resolve("other-root.crt"), pem("CERTIFICATE", otherCert.getEncoded()));
        clientCert = Files.writeString(dir.resolve("client.crt"), pem("CERTIFICATE", client.getEncoded()));
        // pgjdbc's key forms: PKCS-8 DER, and PKCS-12 under alias "user" with a passphrase
        clientKey =
                Files.write(dir.resolve("client.pk8"), clientKeys.getPrivate().getEncoded());
        KeyStore p12 = KeyStore.getInstance("PKCS12");
        p12.load(null, null);
        p12.setKeyEntry(
                "user", clientKeys.getPrivate(), KEY_PASSWORD.toCharArray(), new Certificate[] {client, caCert});
        clientP12 = dir.resolve("client.p12");
        try (var out = Files.newOutputStream(clientP12)) {
            p12.store(out, KEY_PASSWORD.toCharArray());
        }
        keyPasswordFile = Files.writeString(dir.resolve("key-password"), KEY_PASSWORD + "\n");

        // the server's key where the server's own user owns it, readable by it alone, as PostgreSQL demands
        Path data = Path.of((String) db.value("SHOW data_directory"));
        Path serverKey = data.resolve("server.key");
        Files.writeString(serverKey, pem("PRIVATE KEY", serverKeys.getPrivate().getEncoded()));
        Files.setOwner(serverKey, Files.getOwner(data));
        Files.setPosixFilePermissions(serverKey, PosixFilePermissions.fromString("rw-------"));
        Path serverCrt = Files.writeString(data.resolve("server.crt"), pem("CERTIFICATE", serverCert.getEncoded()));
        Path serverCa = Files.writeString(data.resolve("root.crt"), pem("CERTIFICATE", caCert.getEncoded()));
        db.executeFixture("fixtures/todo-schema.sql");
        db.execute(
                "CREATE ROLE " + USER + " LOGIN SUPERUSER REPLICATION",
                "CREATE DATABASE tls_audit OWNER " + USER,
                "ALTER SYSTEM SET ssl_cert_file = '" + serverCrt + "'",
                "ALTER SYSTEM SET ssl_key_file = '" + serverKey + "'",
                "ALTER SYSTEM SET ssl_ca_file = '" + serverCa + "'",
                "ALTER SYSTEM SET ssl = on");
        // the job's role only over TLS with a certificate; the test's own role as before, to prepare and to check
        Path hba = Path.of((String) db.value("SHOW hba_file"));
        StringBuilder rules = new StringBuilder("local all all trust\n");
        for (String net : List.of("127.0.0.1/32", "::1/128")) {
            rules.append("hostssl all ")
                    .append(USER)
                    .append(' ')
                    .append(net)
                    .append(" cert\n")
                    .append("hostssl replication ")
                    .append(USER)
                    .append(' ')
                    .append(net)
                    .append(" cert\n")
                    .append("host all ")
                    .append(USER)
                    .append(' ')
                    .append(net)
                    .append(" reject\n")
                    .append("host all all ")
                    .append(net)
                    .append(" trust\n")
                    .append("host replication all ")
                    .append(net)
                    .append(" trust\n");
        }
        Files.writeString(hba, rules.toString());
        // TLS settings take effect on reload since PostgreSQL 10
        db.value("SELECT pg_reload_conf()");
        TestDatabase.poll(() -> "on".equals(db.value("SHOW ssl")), Duration.ofSeconds(10), "ssl on after reload");
    }

    private static Database tlsDatabase(String host, Tls tls) {
        return new Database(host, db.port(), "postgres", USER, "", tls);
    }

    @Test
    void verifiedConnectionWorksAndWrongCaHostOrMissingCertificateIsRefused() throws Exception {
        Tls verified = new Tls("verify-full", ca.toString(), clientCert.toString(), clientKey.toString(), null);
        try (Connection c = tlsDatabase("localhost", verified).connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT ssl, client_dn, current_user FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            rs.next();
            assertThat(rs.getBoolean(1)).isTrue();
            assertThat(rs.getString(2)).isEqualTo("/CN=" + USER);
            assertThat(rs.getString(3)).isEqualTo(USER);
        }

        Tls wrongCa = new Tls("verify-full", otherCa.toString(), clientCert.toString(), clientKey.toString(), null);
        assertThatThrownBy(() -> tlsDatabase("localhost", wrongCa).connect().close())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("Cannot connect to " + USER + "@localhost:" + db.port()
                        + "/postgres (sslmode=verify-full sslrootcert=" + otherCa)
                .hasMessageContaining("PKIX path building failed")
                .hasMessageContaining("the server's certificate is not signed by a CA of sslrootcert " + otherCa);

        // the certificate names localhost only
        assertThatThrownBy(() -> tlsDatabase("127.0.0.1", verified).connect().close())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("The hostname 127.0.0.1 could not be verified")
                .hasMessageContaining("the server's certificate does not name host 127.0.0.1");

        // no file named: pgjdbc's default, ~/.postgresql/postgresql.crt, which this machine lacks
        Tls withoutCertificate = new Tls("verify-full", ca.toString(), null, null, null);
        assertThatThrownBy(() ->
                        tlsDatabase("localhost", withoutCertificate).connect().close())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("connection requires a valid client certificate");

        // libpq's default, prefer, takes TLS where offered, without a check; the server still wants the certificate
        assertThatThrownBy(() -> tlsDatabase("localhost", Tls.PREFER).connect().close())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("(sslmode=prefer): FATAL: connection requires a valid client certificate");
    }

    @Test
    void jobCapturesOverVerifiedTlsWithClientCertificatesAndKeepsThePassphraseSecret() throws Exception {
        Database audit = new Database("localhost", db.port(), "tls_audit", "postgres", "");
        // source: the passphrase-protected PKCS-12 key from a file; destination: its own settings, the PKCS-8 key
        String[] args = args("--db-sslpassword-file", keyPasswordFile.toString());
        // setup, an admin command, with libpq's variables as a container gets them
        Cli.Result setup = Cli.inNewJvm(
                Map.of(
                        "DB_HOST",
                        "localhost",
                        "DB_PORT",
                        String.valueOf(db.port()),
                        "DB_USER",
                        USER,
                        "DB_SSLMODE",
                        "verify-full",
                        "DB_SSLROOTCERT",
                        ca.toString(),
                        "DB_SSLCERT",
                        clientCert.toString(),
                        "DB_SSLKEY",
                        clientP12.toString(),
                        "DB_SSLPASSWORD_FILE",
                        keyPasswordFile.toString(),
                        "DESTINATION_DB_NAME",
                        "tls_audit",
                        "DESTINATION_DB_SSLKEY",
                        clientKey.toString()),
                "setup");
        assertThat(setup.exit()).as(setup.err()).isZero();
        assertThat(setup.err())
                .contains("Setup done: source " + USER + "@localhost:" + db.port() + "/postgres, destination " + USER
                        + "@localhost:" + db.port() + "/tls_audit")
                .doesNotContain(KEY_PASSWORD);
        // setup created changes in tls_audit: its connection there, as the certificate-only role, passed TLS
        assertThat(count(audit, "SELECT count(*) FROM changes")).isZero();
        // a wrong passphrase is refused, and not shown
        Cli.Result wrongPassphrase = Cli.run(withSetup(args("--db-sslpassword=not-the-passphrase")));
        assertThat(wrongPassphrase.exit()).isEqualTo(1);
        assertThat(wrongPassphrase.err())
                .contains("Cannot connect to " + USER + "@localhost")
                .contains("the client key sslkey " + clientP12 + " could not be read: check its passphrase")
                .doesNotContain(KEY_PASSWORD)
                .doesNotContain("not-the-passphrase");

        job.submit(args);
        db.execute("INSERT INTO todo (task) VALUES ('over tls')");
        TestDatabase.poll(
                () -> count(audit, "SELECT count(*) FROM changes WHERE after->>'task' = 'over tls'") == 1,
                Duration.ofSeconds(60),
                "the change stored in tls_audit");

        // the replication connection too runs over TLS with the client certificate
        List<Map<String, Object>> walSenders = db.query("SELECT s.ssl, s.client_dn FROM pg_stat_replication r"
                + " JOIN pg_stat_ssl s USING (pid) WHERE r.usename = '" + USER + "'");
        assertThat(walSenders).isNotEmpty().allSatisfy(row -> {
            assertThat(row.get("ssl")).isEqualTo(true);
            assertThat(row.get("client_dn")).isEqualTo("/CN=" + USER);
        });

        job.pagesShowingTheJob()
                .forEach((path, page) -> assertThat(page).as(path).doesNotContain(KEY_PASSWORD));
        assertThat(Files.readString(Path.of("target", "test.log")))
                .contains("Capturing")
                .doesNotContain(KEY_PASSWORD);
    }

    /** The job's options: verify-full, the PKCS-12 key, given the passphrase by {@code passphrase}; the destination's own, the PKCS-8 key. */
    private static String[] args(String... passphrase) {
        List<String> args = new java.util.ArrayList<>(List.of(
                "--db-host",
                "localhost",
                "--db-port",
                String.valueOf(db.port()),
                "--db-name",
                "postgres",
                "--db-user",
                USER,
                "--db-sslmode",
                "verify-full",
                "--db-sslrootcert",
                ca.toString(),
                "--db-sslcert",
                clientCert.toString(),
                "--db-sslkey",
                clientP12.toString(),
                "--destination-db-name",
                "tls_audit",
                "--destination-db-sslmode=verify-full",
                "--destination-db-sslrootcert=" + ca,
                "--destination-db-sslcert=" + clientCert,
                "--destination-db-sslkey=" + clientKey));
        args.addAll(List.of(passphrase));
        return args.toArray(new String[0]);
    }

    private static String[] withSetup(String[] args) {
        String[] withSetup = new String[args.length + 1];
        withSetup[0] = "setup";
        System.arraycopy(args, 0, withSetup, 1, args.length);
        return withSetup;
    }

    @Test
    void verifiedTlsRunsInsideAnSshTunnelEndToEnd() throws Exception {
        // a jump host in front of the server: TLS is between the job and PostgreSQL, the SSH server only forwards bytes
        Path sshDir = Cli.freshDirectory(dir.resolve("ssh"));
        Path sshKey = sshDir.resolve("id_ed25519");
        Path authorizedKeys =
                Files.writeString(sshDir.resolve("authorized_keys"), SshKeys.generate(sshKey, "tls", null) + "\n");
        Files.setPosixFilePermissions(authorizedKeys, PosixFilePermissions.fromString("rw-------"));
        try (TestSshServer jumpHost = new TestSshServer(authorizedKeys).start()) {
            SshTunnel tunnel = new SshTunnel(
                    "127.0.0.1",
                    jumpHost.port(),
                    TestSshServer.USER,
                    sshKey.toString(),
                    null,
                    jumpHost.fingerprint(),
                    null);
            Tls verified = new Tls("verify-full", ca.toString(), clientCert.toString(), clientKey.toString(), null);
            try (Connection c = new Database("localhost", db.port(), "postgres", USER, "", verified, tunnel).connect();
                    Statement s = c.createStatement();
                    ResultSet rs =
                            s.executeQuery("SELECT ssl, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
                rs.next();
                assertThat(rs.getBoolean(1)).isTrue();
                assertThat(rs.getString(2)).isEqualTo("/CN=" + USER);
            }
            assertThat(jumpHost.forwardedTo).containsExactly("localhost:" + db.port());
            // the certificate is checked against the host name as given, the one the jump host resolves
            assertThatThrownBy(() -> new Database("127.0.0.1", db.port(), "postgres", USER, "", verified, tunnel)
                            .connect()
                            .close())
                    .hasMessageContaining("the server's certificate does not name host 127.0.0.1");
        }
    }

    private static long count(Database database, String sql) {
        try (Connection c = database.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            return -1; // the table may not exist yet
        }
    }

    private static KeyPair keys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    /** A certificate for {@code subject}, signed by {@code issuerKeys}; a CA's, or one naming {@code host} as its DNS name. */
    private static X509Certificate certificate(
            String subject, KeyPair subjectKeys, String issuer, KeyPair issuerKeys, boolean isCa, String host)
            throws Exception {
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                new X500Name(issuer),
                BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(1))),
                new X500Name(subject),
                subjectKeys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
        if (isCa) {
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        }
        if (host != null) {
            builder.addExtension(
                    Extension.subjectAlternativeName,
                    false,
                    new GeneralNames(new GeneralName(GeneralName.dNSName, host)));
        }
        return new JcaX509CertificateConverter()
                .getCertificate(
                        builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuerKeys.getPrivate())));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
