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
package org.audittrail.job.db.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.audittrail.job.cli.Main;
import org.audittrail.job.db.Database;
import org.audittrail.job.db.Tls;
import org.audittrail.job.testing.Cli;
import org.audittrail.job.testing.JobTestBase;
import org.audittrail.job.testing.TestDatabase;
import org.audittrail.job.testing.TestSshServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The source through an SSH jump host: a real SSH server (Apache MINA SSHD) on loopback that lets in the key the
 * jar's {@code ssh-keygen} made; the job reaches PostgreSQL as {@code localhost:<port>} on the jump host's side. The
 * whole job captures through it, a tunnel broken mid-stream is reopened with nothing lost or repeated, and a wrong
 * host key or an unauthorized key is refused, saying why.
 */
class SshTunnelITCase extends JobTestBase {

    /** The role the job logs in as, through the tunnel only. */
    static final String ROLE = "via_tunnel";

    static Path dir;
    static Path key;
    static Path knownHosts;
    static String publicLine;
    static TestSshServer jumpHost;

    @BeforeAll
    static void jumpHostWithTheGeneratedKey() throws Exception {
        db.executeFixture("fixtures/todo-schema.sql");
        // the job's role alone, so its connections can be told from the test's own
        db.execute("CREATE ROLE " + ROLE + " LOGIN SUPERUSER REPLICATION");
        dir = Cli.freshDirectory(Path.of("target", "ssh-tunnel").toAbsolutePath());
        key = dir.resolve("id_ed25519");
        Cli.Output keygen = Cli.withJarDependencies("ssh-keygen", "--out", key.toString());
        assertThat(keygen.exit()).as(keygen.err()).isZero();
        publicLine = keygen.out().strip();
        assertThat(publicLine).startsWith("ssh-ed25519 AAAA").endsWith(" audit-trail");
        assertThat(keygen.err()).contains("Append this line to ~/.ssh/authorized_keys");
        assertThat(Files.readString(key)).startsWith("-----BEGIN OPENSSH PRIVATE KEY-----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
                .isEqualTo("rw-------");
        assertThat(Files.readString(dir.resolve("id_ed25519.pub")).strip()).isEqualTo(publicLine);
        // never overwrites a key (in this JVM: a second one adds nothing else)
        java.io.StringWriter again = new java.io.StringWriter();
        assertThat(Main.commandLine()
                        .setErr(new java.io.PrintWriter(again, true))
                        .execute("ssh-keygen", "--out", key.toString()))
                .isEqualTo(1);
        assertThat(again.toString()).contains("exists already: not overwritten");

        Path authorizedKeys = dir.resolve("authorized_keys");
        Files.writeString(authorizedKeys, publicLine + "\n");
        Files.setPosixFilePermissions(authorizedKeys, PosixFilePermissions.fromString("rw-------"));
        jumpHost = new TestSshServer(authorizedKeys).start();
        knownHosts = Files.writeString(dir.resolve("known_hosts"), jumpHost.knownHostsLine() + "\n");
    }

    @AfterAll
    static void stopJumpHost() throws Exception {
        jumpHost.close();
    }

    /** The source's settings (host localhost, as the jump host resolves it), through the jump host, then {@code extra}. */
    static String[] tunnelArgs(Path key, String... extra) {
        List<String> args = new ArrayList<>(List.of(db.args(
                "--ssh-host",
                "127.0.0.1",
                "--ssh-port",
                String.valueOf(jumpHost.port()),
                "--ssh-user",
                TestSshServer.USER,
                "--ssh-key-file",
                key.toString())));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    @Test
    void jobCapturesThroughTheTunnelAndLosesNothingWhenItBreaks() throws Exception {
        // setup, as the job runs it in this JVM, and the job's connections all go through the tunnel
        job.submit(tunnelArgs(key, "--ssh-known-hosts", knownHosts.toString(), "--db-user", ROLE));
        db.execute("INSERT INTO todo (task) VALUES ('a1')", "INSERT INTO todo (task) VALUES ('a2')");
        db.awaitChanges(2);
        assertThat(jumpHost.forwardedTo).isNotEmpty().allMatch(("localhost:" + db.port())::equals);
        assertThat((Long) db.value("SELECT count(*) FROM pg_stat_activity WHERE usename = '" + ROLE + "'"))
                .isPositive();
        job.checkpoint();

        // the network breaks: every SSH session and each connection forwarded through it closes
        int forwardedBefore = jumpHost.forwardedTo.size();
        jumpHost.stop();
        // the replication connection was one of them: the slot's reader is gone
        db.awaitSlotInactive();
        db.execute("INSERT INTO todo (task) VALUES ('b1')", "INSERT INTO todo (task) VALUES ('b2')");
        // the restarted job cannot reopen the tunnel while the jump host is away, and says so
        String exceptions = job.awaitException(
                "Cannot reach the SSH jump host " + TestSshServer.USER + "@127.0.0.1:" + jumpHost.port());
        assertThat(exceptions).doesNotContain(TestDatabase.PASSWORD);
        // every connection of the job (setup's, the WAL's, the checks', the sink's) went through the tunnel: none is
        // left
        TestDatabase.poll(
                () -> (Long) db.value("SELECT count(*) FROM pg_stat_activity WHERE usename = '" + ROLE + "'") == 0,
                Duration.ofSeconds(30),
                "no connection of the job while the jump host is away");

        // back on the same port, same host key: the job reopens the tunnel and goes on from its checkpoint
        jumpHost.start();
        db.execute("INSERT INTO todo (task) VALUES ('c1')");
        db.await(
                "SELECT * FROM changes",
                r -> r.stream().anyMatch(row -> String.valueOf(row.get("after")).contains("c1")),
                Duration.ofSeconds(90));
        // the sink's subtasks may still be writing replays: a checkpoint flushes them all
        job.checkpoint();
        List<Map<String, Object>> rows = db.query("SELECT after->>'task' AS task FROM changes ORDER BY position");
        assertThat(rows).extracting(r -> r.get("task")).containsExactly("a1", "a2", "b1", "b2", "c1");
        assertThat(db.value("SELECT count(DISTINCT id) FROM changes")).isEqualTo(5L);
        assertThat(jumpHost.forwardedTo.size()).isGreaterThan(forwardedBefore);
        assertThat(jumpHost.forwardedTo).allMatch(("localhost:" + db.port())::equals);
    }

    @Test
    void wrongHostKeyOrUnauthorizedKeyIsRefusedSayingWhy() throws Exception {
        // the right fingerprint instead of a known_hosts file: setup runs through the tunnel
        Cli.Result byFingerprint =
                Cli.run(tunnelArgs(key, "--ssh-host-key-fingerprint", jumpHost.fingerprint(), "setup"));
        assertThat(byFingerprint.exit()).as(byFingerprint.err()).isZero();

        String wrongFingerprint = "SHA256:" + "A".repeat(43);
        Cli.Result wrongHostKey = Cli.run(tunnelArgs(key, "--ssh-host-key-fingerprint", wrongFingerprint, "setup"));
        assertThat(wrongHostKey.exit()).isEqualTo(1);
        assertThat(wrongHostKey.err())
                .contains("The SSH jump host 127.0.0.1:" + jumpHost.port() + " presented the host key "
                        + jumpHost.fingerprint() + ", not " + wrongFingerprint
                        + " as --ssh-host-key-fingerprint says: refused");

        // a known_hosts file that holds another key for it, as after a man in the middle took its place
        TestSshServer impostor = new TestSshServer(dir.resolve("authorized_keys"));
        Path otherKnownHosts =
                Files.writeString(dir.resolve("known_hosts-other"), impostor.knownHostsLine(jumpHost.port()) + "\n");
        Cli.Result changedHostKey = Cli.run(tunnelArgs(key, "--ssh-known-hosts", otherKnownHosts.toString(), "setup"));
        assertThat(changedHostKey.exit()).isEqualTo(1);
        assertThat(changedHostKey.err())
                .contains("presented the host key " + jumpHost.fingerprint() + ", which is not the key the"
                        + " known_hosts file " + otherKnownHosts + " holds for it: refused");

        // an unknown host is refused by default, as OpenSSH's client does in batch mode
        Path emptyKnownHosts = Files.writeString(dir.resolve("known_hosts-empty"), "");
        Cli.Result unknownHost = Cli.run(tunnelArgs(key, "--ssh-known-hosts", emptyKnownHosts.toString(), "setup"));
        assertThat(unknownHost.exit()).isEqualTo(1);
        assertThat(unknownHost.err())
                .contains("the known_hosts file " + emptyKnownHosts + " does not know this host: refused");

        // a key the jump host's authorized_keys does not hold
        Path stranger = dir.resolve("stranger");
        SshKeys.generate(stranger, "stranger", null);
        Cli.Result unauthorized = Cli.run(tunnelArgs(stranger, "--ssh-known-hosts", knownHosts.toString(), "setup"));
        assertThat(unauthorized.exit()).isEqualTo(1);
        assertThat(unauthorized.err())
                .contains("The SSH jump host " + TestSshServer.USER + "@127.0.0.1:" + jumpHost.port()
                        + " refused the key " + stranger)
                .contains("to ~" + TestSshServer.USER + "/.ssh/authorized_keys on the jump host");
    }

    @Test
    void connectionsShareASessionWhichIsClosedOnceUnusedAndReopenedOnDemand() throws Exception {
        Duration previous = SshTunnel.idleTimeout(Duration.ofMillis(500));
        try (TestSshServer own = new TestSshServer(dir.resolve("authorized_keys")).start()) {
            SshTunnel tunnel = new SshTunnel(
                    "127.0.0.1", own.port(), TestSshServer.USER, key.toString(), null, own.fingerprint(), null);
            Database source = new Database(
                    "localhost", db.port(), "postgres", "postgres", TestDatabase.PASSWORD, Tls.PREFER, tunnel);
            try (java.sql.Connection a = source.connect();
                    java.sql.Connection b = source.connect()) {
                assertThat(own.sessions()).isEqualTo(1);
                assertThat(own.forwardedTo).hasSize(2);
            }
            // no connection left: the session goes, and with it the tunnel's threads
            TestDatabase.poll(() -> own.sessions() == 0, Duration.ofSeconds(10), "the unused session closed");
            try (java.sql.Connection c = source.connect();
                    java.sql.Statement s = c.createStatement();
                    java.sql.ResultSet rs = s.executeQuery("SELECT 1")) {
                assertThat(rs.next()).isTrue();
                assertThat(own.sessions()).isEqualTo(1);
            }
        } finally {
            SshTunnel.idleTimeout(previous);
        }
    }
}
