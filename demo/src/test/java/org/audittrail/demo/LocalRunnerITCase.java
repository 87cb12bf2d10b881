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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.audittrail.job.source.CaptureRefusedException;
import org.junit.jupiter.api.Test;

/**
 * The local runner as a person runs it, in a JVM of its own: SIGTERM stops it within 10 s while the job runs and
 * while it restarts, and a job that fails for good ends it, non-zero, with the cause on one line.
 */
class LocalRunnerITCase {

    private static final Duration STOP_WITHIN = Duration.ofSeconds(10);
    private static final Duration START_WITHIN = Duration.ofMinutes(3);

    /** The job's password, which nothing the runner prints may contain (the embedded server trusts local logins). */
    private static final String PASSWORD = "runner-pw-5e1d-never-printed";

    /** A row's value, which the local mode's output may not contain. */
    private static final String ROW_VALUE = "row-value-8a2c-never-printed";

    @Test
    void sigtermStopsTheRunningDemoAndItsDatabaseWithinTenSeconds() throws Exception {
        int webPort = freePort();
        try (Runner runner = Runner.start(Map.of(LocalRunner.PORT_VARIABLE, String.valueOf(webPort)), "embedded")) {
            runner.awaitOut(line -> line.startsWith(LocalRunner.RUNNING + webPort + " "), START_WITHIN);
            Matcher embedded = Pattern.compile("Embedded PostgreSQL on localhost:(\\d+) ")
                    .matcher(runner.awaitOut(line -> line.startsWith("Embedded PostgreSQL on"), START_WITHIN));
            assertThat(embedded.find()).isTrue();
            int dbPort = Integer.parseInt(embedded.group(1));
            // healthy: the demo's last change was captured, and the web UI answers on the port it was given
            runner.awaitOut(line -> line.contains("Written without context"), START_WITHIN);
            assertThat(get(webPort, "/jobs/overview")).contains("\"state\":\"RUNNING\"");
            // the change browser on the demo's data: its login page, then its search as the printed user
            Matcher browser = Pattern.compile(
                            Pattern.quote(LocalRunner.BROWSER) + "(\\d+)/ : log in as demo, password (\\S+)$")
                    .matcher(runner.awaitOut(line -> line.startsWith(LocalRunner.BROWSER), START_WITHIN));
            assertThat(browser.find()).isTrue();
            assertThat(browserSearch(Integer.parseInt(browser.group(1)), browser.group(2), runner))
                    .contains("public.todo", "user_id=187234", "DELETE");

            runner.assertStopsOnSigterm();
            assertThat(runner.out()).contains("Stopping...", "Stopped.");
            assertThat(runner.err()).isEmpty();
            // the embedded PostgreSQL stopped with it
            assertThatThrownBy(() -> DriverManager.getConnection(
                                    "jdbc:postgresql://localhost:" + dbPort + "/postgres",
                                    "postgres",
                                    EmbeddedDatabase.PASSWORD)
                            .close())
                    .isInstanceOf(SQLException.class);
        }
    }

    @Test
    void sigtermStopsTheRunnerWithinTenSecondsWhileTheJobRestarts() throws Exception {
        int webPort = freePort();
        EmbeddedDatabase db = EmbeddedDatabase.start();
        try (Runner runner = Runner.start(local(db, webPort), "local")) {
            runner.awaitOut(line -> line.startsWith(LocalRunner.RUNNING), START_WITHIN);
            db.close(); // source and destination gone: the job fails and restarts, with a backoff, until they are back
            String job = jobId(webPort);
            poll(
                    () -> numRestarts(webPort, job) >= 1,
                    Duration.ofMinutes(1),
                    "the job to have restarted at least once",
                    runner);

            runner.assertStopsOnSigterm();
            assertThat(runner.out()).contains("Stopping...", "Stopped.");
        } finally {
            db.close();
        }
    }

    @Test
    void aJobFailedForGoodEndsTheRunnerNonZeroWithTheCauseOnOneLine() throws Exception {
        int webPort = freePort();
        try (EmbeddedDatabase db = EmbeddedDatabase.start()) {
            db.executeResource("demo/todo-schema.sql");
            try (Runner runner = Runner.start(local(db, webPort), "local")) {
                runner.awaitOut(line -> line.startsWith(LocalRunner.RUNNING), START_WITHIN);
                db.execute("INSERT INTO todo (task) VALUES ('" + ROW_VALUE + "')");
                String written = (String) db.query("SELECT pg_current_wal_lsn()::text AS lsn")
                        .get(0)
                        .get("lsn");
                // the slot moves only at a completed checkpoint: one holds the change's position, so a restart restores
                // it
                poll(
                        () -> query(
                                                db,
                                                "SELECT 1 FROM pg_replication_slots WHERE slot_name = 'bemi' AND"
                                                        + " confirmed_flush_lsn >= '" + written + "'::pg_lsn")
                                        .size()
                                == 1,
                        Duration.ofMinutes(1),
                        "a checkpoint past the change",
                        runner);

                dropSlotWhileTheJobRuns(db, runner);

                // the restarted source refuses to start without its slot: failed for good, the runner ends by itself
                assertThat(runner.process.waitFor(2, TimeUnit.MINUTES))
                        .as("the runner ended by itself; its output:%n%s", runner.output())
                        .isTrue();
                runner.drained();
                assertThat(runner.process.exitValue()).isEqualTo(1);
                assertThat(runner.err())
                        .as("standard error")
                        .singleElement()
                        .asString()
                        .startsWith(LocalRunner.FAILED + " (The failure is not recoverable): "
                                + CaptureRefusedException.class.getName() + ": Replication slot bemi no longer exists")
                        .contains("--allow-restore-behind-slot");
                assertThat(runner.output()).doesNotContain(PASSWORD, ROW_VALUE);
            }
        }
    }

    @Test
    void aBacklogInTheSlotIsDrainedSayingHowManyOfItsChangesAreStored() throws Exception {
        int webPort = freePort();
        try (EmbeddedDatabase db = EmbeddedDatabase.start()) {
            db.executeResource("demo/todo-schema.sql");
            assertThat(org.audittrail.job.cli.Main.commandLine().execute(setup(db)))
                    .isZero();
            // written while no job runs: the slot holds them
            db.execute("INSERT INTO todo (task) SELECT '" + ROW_VALUE + "' FROM generate_series(1, 3000)");
            try (Runner runner = Runner.start(local(db, webPort), "local")) {
                assertThat(runner.awaitOut(line -> line.startsWith("backlog: "), START_WITHIN))
                        .matches("backlog: \\d+\\.\\d MB of WAL waiting in slot bemi; storing it");
                assertThat(runner.awaitOut(line -> line.startsWith("backlog: drained"), START_WITHIN))
                        .isEqualTo("backlog: drained, 3000 changes of it stored");
                assertThat(runner.output()).doesNotContain(PASSWORD, ROW_VALUE);
                runner.assertStopsOnSigterm();
            }
        }
    }

    /** The setup command's arguments for the embedded database. */
    private static String[] setup(EmbeddedDatabase db) {
        String[] args = db.args();
        String[] all = new String[args.length + 1];
        all[0] = "setup";
        System.arraycopy(args, 0, all, 1, args.length);
        return all;
    }

    /** Terminates the job's walsender and drops its slot, again until the drop wins the race with the job's restart. */
    private static void dropSlotWhileTheJobRuns(EmbeddedDatabase db, Runner runner) throws Exception {
        poll(
                () -> {
                    try {
                        db.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
                                + " WHERE slot_name = 'bemi' AND active_pid IS NOT NULL");
                        db.execute("SELECT pg_drop_replication_slot('bemi')");
                        return true;
                    } catch (SQLException e) {
                        if (e.getMessage().contains("is active for PID")) {
                            return false; // the walsender has not ended yet, or the restarted job took the slot again
                        }
                        throw new IllegalStateException(e);
                    }
                },
                Duration.ofMinutes(1),
                "replication slot bemi dropped",
                runner);
    }

    /** The local mode's environment: the database given by DB_*, the web UI on {@code webPort}. */
    private static Map<String, String> local(EmbeddedDatabase db, int webPort) {
        return Map.of(
                "DB_HOST",
                "localhost",
                "DB_PORT",
                String.valueOf(db.port()),
                "DB_NAME",
                "postgres",
                "DB_USER",
                "postgres",
                "DB_PASSWORD",
                PASSWORD,
                LocalRunner.PORT_VARIABLE,
                String.valueOf(webPort));
    }

    private static List<Map<String, Object>> query(EmbeddedDatabase db, String sql) {
        try {
            return db.query(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A free port below Linux's ephemeral range (32768 and up): the demo's embedded PostgreSQL and Flink take theirs from
     * that range, so none of them can take this one between this check and the demo's bind.
     */
    private static int freePort() throws Exception {
        java.util.Random random = new java.util.Random();
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = 20_000 + random.nextInt(12_000);
            try (ServerSocket socket = new ServerSocket(port)) {
                return socket.getLocalPort();
            } catch (java.io.IOException taken) {
                // taken by another process: try another
            }
        }
        throw new IllegalStateException("No free port between 20000 and 32000");
    }

    private static String get(int port, String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode())
                .as("GET %s: %s", path, response.body())
                .isEqualTo(200);
        return response.body();
    }

    private static String jobId(int webPort) throws Exception {
        Matcher jid = Pattern.compile("\"jid\":\"([0-9a-f]+)\"").matcher(get(webPort, "/jobs/overview"));
        assertThat(jid.find()).isTrue();
        return jid.group(1);
    }

    private static long numRestarts(int webPort, String job) {
        try {
            Matcher value = Pattern.compile("\"value\":\"(\\d+)\"")
                    .matcher(get(webPort, "/jobs/" + job + "/metrics?get=numRestarts"));
            return value.find() ? Long.parseLong(value.group(1)) : 0;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Checks {@code condition} every 100 ms until it holds; fails after {@code within}, or when the runner has ended. */
    private static void poll(BooleanSupplier condition, Duration within, String what, Runner runner)
            throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (!runner.process.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("No " + what + " within " + within + " (runner "
                        + (runner.process.isAlive() ? "running" : "ended") + "); its output:\n" + runner.output());
            }
            Thread.sleep(100);
        }
    }

    /** Logs in to the change browser as the demo's user and returns its search page. */
    private static String browserSearch(int port, String password, Runner runner) throws Exception {
        java.net.CookieManager cookies = new java.net.CookieManager();
        HttpClient client = HttpClient.newBuilder().cookieHandler(cookies).build();
        URI base = URI.create("http://127.0.0.1:" + port);
        String login = client.send(
                        HttpRequest.newBuilder(base.resolve("/login")).build(), HttpResponse.BodyHandlers.ofString())
                .body();
        Matcher csrf = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(login);
        assertThat(csrf.find()).isTrue();
        String form = "csrf=" + csrf.group(1) + "&name=demo&password="
                + java.net.URLEncoder.encode(password, StandardCharsets.UTF_8);
        HttpResponse<String> loggedIn = client.send(
                HttpRequest.newBuilder(base.resolve("/login"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(loggedIn.statusCode()).isEqualTo(303);
        // the demo's last change may still be on its way to the destination
        String[] page = {""};
        poll(
                () -> {
                    try {
                        page[0] = client.send(
                                        HttpRequest.newBuilder(base.resolve("/?table=todo"))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString())
                                .body();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    return page[0].contains("6 changes, newest first");
                },
                START_WITHIN,
                "the demo's changes in the browser",
                runner);
        return page[0];
    }

    /** The runner in a JVM of its own, its standard output and error read line by line as they come. */
    private static final class Runner implements AutoCloseable {
        final Process process;
        private final List<String> out = new CopyOnWriteArrayList<>();
        private final List<String> err = new CopyOnWriteArrayList<>();
        private final Thread outReader;
        private final Thread errReader;

        private Runner(Process process) {
            this.process = process;
            this.outReader = reader(process.getInputStream(), out);
            this.errReader = reader(process.getErrorStream(), err);
        }

        /** {@code java -cp <this test's class path> LocalRunner <mode>}, with Flink's module openings. */
        static Runner start(Map<String, String> environment, String mode) throws Exception {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .filter(arg -> arg.startsWith("--add-opens") || arg.startsWith("--add-exports"))
                    .forEach(command::add);
            command.addAll(
                    List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"), LocalRunner.class.getName(), mode));
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment()
                    .keySet()
                    .removeIf(name -> name.startsWith("DB_")
                            || name.startsWith("DESTINATION_DB_")
                            || name.equals(LocalRunner.PORT_VARIABLE));
            builder.environment().put(LocalRunner.BROWSER_PORT_VARIABLE, String.valueOf(freePort()));
            builder.environment().putAll(environment);
            return new Runner(builder.start());
        }

        private static Thread reader(InputStream stream, List<String> lines) {
            Thread thread = new Thread(() -> {
                try (BufferedReader reader =
                        new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = reader.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (Exception e) {
                    // the process ended
                }
            });
            thread.setDaemon(true);
            thread.start();
            return thread;
        }

        /** The first line of standard output that matches, waiting for it. */
        String awaitOut(Predicate<String> matches, Duration within) throws InterruptedException {
            String[] found = new String[1];
            poll(
                    () -> {
                        found[0] = out.stream().filter(matches).findFirst().orElse(null);
                        return found[0] != null;
                    },
                    within,
                    "such line",
                    this);
            return found[0];
        }

        /** Sends SIGTERM; the runner must have ended within 10 s, as a JVM ends on SIGTERM (status 143). */
        void assertStopsOnSigterm() throws InterruptedException {
            long sent = System.nanoTime();
            sigterm();
            boolean ended = process.waitFor(STOP_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
            Duration took = Duration.ofNanos(System.nanoTime() - sent);
            assertThat(ended)
                    .as("the runner ended within %s of SIGTERM; its output:%n%s", STOP_WITHIN, output())
                    .isTrue();
            drained();
            assertThat(process.exitValue()).as("exit status, after %s", took).isEqualTo(143);
        }

        /** SIGTERM, as {@link Process#destroy()} sends it on Linux, but keeping this end of its pipes open to read what it prints while it stops. */
        private void sigterm() {
            process.toHandle().destroy();
        }

        /** Waits until both streams are read to their end. */
        void drained() throws InterruptedException {
            outReader.join(TimeUnit.SECONDS.toMillis(10));
            errReader.join(TimeUnit.SECONDS.toMillis(10));
        }

        List<String> out() {
            return out;
        }

        List<String> err() {
            return err.stream().filter(line -> !line.isBlank()).toList();
        }

        String output() {
            return String.join("\n", out) + "\n--- standard error:\n" + String.join("\n", err);
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                sigterm();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            }
        }
    }
}
