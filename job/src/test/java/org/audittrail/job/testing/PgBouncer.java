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
package org.audittrail.job.testing;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.audittrail.job.db.Database;
import org.junit.jupiter.api.Assumptions;

/** Debian's PgBouncer on loopback in transaction pooling mode, in front of a test server; installed with apt-get where missing. */
public final class PgBouncer implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/sbin/pgbouncer");

    private final Process process;
    private final Path dir;
    private final int port;

    private PgBouncer(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    /** Starts PgBouncer in front of the server on {@code serverPort}; skips the test where it cannot be installed. */
    public static PgBouncer start(int serverPort) throws Exception {
        install();
        int port = freePort();
        Path dir = Files.createTempDirectory("pgbouncer");
        boolean root = "root".equals(System.getProperty("user.name"));
        Files.writeString(dir.resolve("users.txt"), "\"postgres\" \"\"\n");
        Files.writeString(
                dir.resolve("pgbouncer.ini"),
                String.join(
                        "\n",
                        "[databases]",
                        "* = host=127.0.0.1 port=" + serverPort,
                        "[pgbouncer]",
                        "listen_addr = 127.0.0.1",
                        "listen_port = " + port,
                        "unix_socket_dir =",
                        "auth_type = trust",
                        "auth_file = " + dir.resolve("users.txt"),
                        "pool_mode = transaction",
                        // one server connection per database: every client's statements meet on it, as named prepared
                        // statements would
                        "default_pool_size = 1",
                        // pgjdbc sends it at login; PgBouncer refuses startup parameters it does not know
                        "ignore_startup_parameters = extra_float_digits",
                        "logfile = " + dir.resolve("pgbouncer.log"),
                        ""));
        // PgBouncer refuses to run as root: root runs it as postgres, who must read the directory
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        for (String file : List.of("users.txt", "pgbouncer.ini")) {
            Files.setPosixFilePermissions(dir.resolve(file), PosixFilePermissions.fromString("rw-r--r--"));
        }
        List<String> command = new ArrayList<>();
        if (root) {
            // Debian's PostgreSQL packages create postgres; nobody serves where they have not
            String user =
                    Files.readAllLines(Path.of("/etc/passwd")).stream().anyMatch(line -> line.startsWith("postgres:"))
                            ? "postgres"
                            : "nobody";
            command.addAll(List.of("runuser", "-u", user, "--"));
        }
        command.addAll(List.of(BINARY.toString(), dir.resolve("pgbouncer.ini").toString()));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout.txt").toFile())
                .start();
        PgBouncer bouncer = new PgBouncer(process, dir, port);
        try {
            TestDatabase.poll(
                    bouncer::answers, Duration.ofSeconds(30), "PgBouncer to accept connections on port " + port);
        } catch (AssertionError e) {
            String log = bouncer.log();
            bouncer.close();
            throw new AssertionError(e.getMessage() + "; its log: " + log, e);
        }
        return bouncer;
    }

    /** Installs Debian's package where the binary is missing; skips the test (with the reason) where that fails. */
    private static void install() throws Exception {
        if (Files.isExecutable(BINARY)) {
            return;
        }
        Assumptions.assumeTrue(
                Files.isExecutable(Path.of("/usr/bin/apt-get")),
                "PgBouncer is not installed at " + BINARY
                        + " and there is no apt-get to install it: install pgbouncer to run this test");
        // a user other than root installs through sudo, where it needs no password
        List<String> asRoot = "root".equals(System.getProperty("user.name"))
                ? List.of()
                : List.of("sudo", "-n", "env", "DEBIAN_FRONTEND=noninteractive");
        String output = run(asRoot, "apt-get", "install", "-y", "-q", "pgbouncer");
        if (!Files.isExecutable(BINARY)) {
            // the package lists may be missing or stale, as in a fresh container
            output =
                    run(asRoot, "apt-get", "update", "-q") + run(asRoot, "apt-get", "install", "-y", "-q", "pgbouncer");
        }
        String tail = output.length() > 600 ? output.substring(output.length() - 600) : output;
        Assumptions.assumeTrue(
                Files.isExecutable(BINARY),
                "PgBouncer is not installed and `apt-get install -y pgbouncer` failed (no network, or neither root nor sudo?): "
                        + tail);
    }

    private static String run(List<String> prefix, String... command) throws Exception {
        List<String> line = new ArrayList<>(prefix);
        line.addAll(List.of(command));
        ProcessBuilder builder = new ProcessBuilder(line).redirectErrorStream(true);
        builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Path out = Files.createTempFile("apt", ".txt");
        Process p;
        try {
            p = builder.redirectOutput(out.toFile()).start();
        } catch (IOException e) {
            // no sudo, say: the caller skips, telling why
            Files.delete(out);
            return "cannot run " + line.get(0) + ": " + e.getMessage() + "\n";
        }
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
        }
        String text = Files.readString(out);
        Files.delete(out);
        return text;
    }

    public int port() {
        return port;
    }

    /** Database {@code name} of the server, reached through PgBouncer. */
    public Database database(String name) {
        return new Database("127.0.0.1", port, name, "postgres", TestDatabase.PASSWORD);
    }

    private boolean answers() {
        if (!process.isAlive()) {
            throw new AssertionError("PgBouncer exited with " + process.exitValue() + ": " + log());
        }
        try (Connection c = database("postgres").connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT 1")) {
            return rs.next();
        } catch (SQLException e) {
            return false;
        }
    }

    /** PgBouncer's own output and log, for a failure message. */
    public String log() {
        StringBuilder text = new StringBuilder();
        for (String file : List.of("stdout.txt", "pgbouncer.log")) {
            try {
                text.append(Files.readString(dir.resolve(file)));
            } catch (IOException e) {
                text.append("(no ").append(file).append(")");
            }
        }
        return text.toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        // runuser passes the signal on to PgBouncer
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        for (File f : dir.toFile().listFiles()) {
            f.delete();
        }
        Files.deleteIfExists(dir);
    }
}
