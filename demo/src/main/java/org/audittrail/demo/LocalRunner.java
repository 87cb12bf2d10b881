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

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.JobException;
import org.apache.flink.runtime.client.JobCancellationException;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ExceptionUtils;
import org.audittrail.browser.ChangeBrowser;
import org.audittrail.browser.auth.Users;
import org.audittrail.browser.config.BrowserConfig;
import org.audittrail.job.AuditTrailJob;
import org.audittrail.job.cli.Main;
import org.audittrail.job.config.JobConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo and the local launcher: the job in a local Flink MiniCluster with the web UI on localhost:8081
 * ({@value #PORT_VARIABLE} moves it), until Ctrl-C or SIGTERM, or until the job fails for good.
 *
 * <p>{@code embedded}: on an embedded PostgreSQL with seed 003's todo table, making a few changes and
 * printing the rows of {@code changes} as they land. {@code local}: against the database given by DB_*.
 *
 * <p>Ctrl-C or SIGTERM cancels the job and stops the embedded database, each step bounded, and the JVM is halted
 * {@link #HALT_AFTER} after the signal whatever still runs. A job that fails for good (a refused start, restarts
 * exhausted) ends the runner with exit status 1 and the cause on one line of standard error: the exception the job
 * failed with, whose messages carry no row data or password (pgjdbc's server detail is off, see {@code Database}).
 * The full chain is logged to {@code target/demo.log}.
 */
public final class LocalRunner {

    private static final Logger LOG = LoggerFactory.getLogger(LocalRunner.class);

    /** The environment variable that sets the web UI's port. */
    static final String PORT_VARIABLE = "WEB_UI_PORT";

    static final int DEFAULT_PORT = 8081;

    /** The variable naming the change browser's port, and its default. */
    static final String BROWSER_PORT_VARIABLE = "BROWSER_PORT";

    static final int DEFAULT_BROWSER_PORT = 8090;

    /** The start of the line printed once the change browser listens. */
    static final String BROWSER = "Change browser on http://127.0.0.1:";

    /** The start of the line printed once the job is submitted. */
    static final String RUNNING = "Job running, web UI on http://localhost:";

    /** The start of the line on standard error when the job failed for good. */
    static final String FAILED = "The job failed for good";

    /** How long cancelling the job may take on Ctrl-C or SIGTERM; stopping the embedded database gets the rest of {@link #STOP_WITHIN}. */
    static final Duration CANCEL_WITHIN = Duration.ofSeconds(5);

    static final Duration STOP_WITHIN = Duration.ofSeconds(8);

    /** After Ctrl-C or SIGTERM, the JVM is halted at this point, whatever shutdown hook (Flink's, zonky's) still runs. */
    static final Duration HALT_AFTER = Duration.ofMillis(9500);

    private final AtomicBoolean stopping = new AtomicBoolean();
    private volatile EmbeddedDatabase db;
    private volatile ChangeBrowser browser;
    private volatile JobClient client;
    private volatile CompletableFuture<JobExecutionResult> result;
    /** The status the watchdog halts with: main's, when main ends the JVM, else 1. */
    private volatile int exitStatus = 1;
    /** Main ends the JVM (the job ended, or could not start), rather than a signal. */
    private volatile boolean exiting;

    private LocalRunner() {}

    public static void main(String[] args) {
        LocalRunner runner = new LocalRunner();
        // before anything starts, so a signal at any point stops what has started
        Runtime.getRuntime().addShutdownHook(new Thread(runner::stop, "local-runner-stop"));
        int status;
        try {
            status = runner.run(args);
        } catch (Throwable e) {
            if (runner.stopping.get()) {
                return; // stopped while starting: the shutdown hook ends the JVM
            }
            LOG.info("The local runner failed", e);
            System.err.println("Cannot run the job: " + oneLine(e));
            status = 1;
        }
        if (runner.stopping.get()) {
            return; // the shutdown hook ends the JVM, with the signal's status
        }
        runner.exitStatus = status;
        runner.exiting = true;
        // explicitly: a thread of the MiniCluster or of the embedded database must not keep the JVM alive
        System.exit(status);
    }

    /** Starts the job and waits for its end: the exit status. */
    private int run(String[] args) throws Exception {
        boolean embedded = args.length == 0 || "embedded".equals(args[0]);
        int port = webUiPort(System.getenv(PORT_VARIABLE));
        String[] jobArgs = new String[0];
        if (embedded) {
            db = EmbeddedDatabase.start();
            jobArgs = db.args();
            db.executeResource("demo/todo-schema.sql");
        }

        Configuration config = new Configuration();
        config.set(RestOptions.PORT, port);
        config.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                Path.of("target", "local-checkpoints").toAbsolutePath().toUri().toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(config);
        JobConfig options = Main.config(jobArgs);
        // before the job starts, which moves the slot on
        Backlog backlog = embedded
                ? null
                : Backlog.of(
                        options.source(),
                        options.destination(),
                        options.replication().slot());
        AuditTrailJob.build(env, options);
        // the MiniCluster shuts itself down when the job ends (cancelled, failed for good)
        client = env.executeAsync(options.jobName());
        result = client.getJobExecutionResult();
        System.out.println(RUNNING + port + " . Ctrl-C stops it.");

        if (embedded) {
            browser = startBrowser(db);
            System.out.println("Embedded PostgreSQL on localhost:" + db.port() + " (user postgres, database postgres)."
                    + " Try: psql -h localhost -p " + db.port() + " -U postgres -c 'SELECT * FROM changes'");
            // written as Bemi's ORM packages write: the context in a comment at the end of each statement
            String post = " /*Bemi {\"user_id\": 187234, \"endpoint\": \"/todo\", \"method\": \"POST\"} Bemi*/";
            db.execute(
                    "INSERT INTO todo (task) VALUES ('Sleep')" + post,
                    "INSERT INTO todo (task) VALUES ('Eat')" + post,
                    "INSERT INTO todo (task) VALUES ('Repeat')" + post,
                    "UPDATE todo SET is_completed = true WHERE task = 'Sleep'"
                            + " /*Bemi {\"user_id\": 187234, \"endpoint\": \"/todo/complete\", \"method\": \"PUT\"} Bemi*/",
                    "DELETE FROM todo WHERE task = 'Eat'"
                            + " /*Bemi {\"user_id\": 187234, \"endpoint\": \"/todo/2\", \"method\": \"DELETE\"} Bemi*/",
                    "INSERT INTO todo (task) VALUES ('Written without context')");
            printChanges(db, result);
        } else if (backlog != null) {
            printBacklog(backlog, result);
        }
        return outcome(result);
    }

    /**
     * The change browser on the demo's database, as docs/browser.md sets it up: a read-only role, a users file with
     * one user whose password is made for this run and printed.
     */
    private static ChangeBrowser startBrowser(EmbeddedDatabase db) throws Exception {
        int port = port(BROWSER_PORT_VARIABLE, System.getenv(BROWSER_PORT_VARIABLE), DEFAULT_BROWSER_PORT);
        db.execute(
                "CREATE ROLE audit_browser LOGIN PASSWORD '" + EmbeddedDatabase.PASSWORD + "'",
                "GRANT SELECT ON changes TO audit_browser",
                "GRANT SELECT ON schema_changes TO audit_browser");
        byte[] random = new byte[9];
        new SecureRandom().nextBytes(random);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Path dir = Files.createDirectories(Path.of("target", "demo-browser").toAbsolutePath());
        Path users = Files.writeString(dir.resolve("users"), Users.line("demo", password) + "\n");
        ChangeBrowser browser = ChangeBrowser.start(BrowserConfig.defaults(
                        "jdbc:postgresql://localhost:" + db.port() + "/postgres",
                        "audit_browser",
                        EmbeddedDatabase.PASSWORD,
                        users,
                        dir.resolve("access.log"))
                .withPort(port));
        System.out.println(BROWSER + browser.port() + "/ : log in as demo, password " + password);
        return browser;
    }

    /** Waits for the job's end: 0 if it finished, else 1 with the reason on one line of standard error. */
    private int outcome(CompletableFuture<JobExecutionResult> result) throws InterruptedException {
        try {
            result.get();
            System.out.println("The job finished.");
            return 0;
        } catch (ExecutionException e) {
            if (stopping.get()) {
                return 1; // cancelled by the shutdown hook, which ends the JVM
            }
            LOG.info("The job ended", e.getCause());
            System.err.println(endLine(e.getCause()));
            return 1;
        }
    }

    /**
     * The reason the job ended, on one line. Flink reports a job that failed for good as a {@link JobException} ("The
     * failure is not recoverable", "Recovery is suppressed by ...") caused by the task's failure; of that failure it
     * names the job's own exception where there is one (a {@code CaptureRefusedException} inside a fetcher's), else
     * the failure and its root cause.
     */
    static String endLine(Throwable failure) {
        if (ExceptionUtils.findThrowable(failure, JobCancellationException.class)
                .isPresent()) {
            return "The job was cancelled (from the web UI or Flink's REST API).";
        }
        JobException verdict =
                ExceptionUtils.findThrowable(failure, JobException.class).orElse(null);
        Throwable cause = verdict != null && verdict.getCause() != null ? verdict.getCause() : failure;
        Throwable own = ExceptionUtils.findThrowable(
                        cause, t -> t.getClass().getName().startsWith("org.audittrail."))
                .orElse(null);
        String why;
        if (own != null) {
            why = oneLine(own);
        } else {
            Throwable root = ExceptionUtils.stripCompletionException(cause);
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            why = root == cause ? oneLine(cause) : oneLine(cause) + "; root cause: " + oneLine(root);
        }
        return FAILED + (verdict == null ? "" : " (" + oneLine(verdict.getMessage()) + ")") + ": " + why;
    }

    private static String oneLine(Throwable t) {
        return oneLine(t.toString()); // a SerializedThrowable's names the original class
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    /** The web UI's port: {@value #PORT_VARIABLE}, else {@value #DEFAULT_PORT}. */
    static int webUiPort(String value) {
        return port(PORT_VARIABLE, value, DEFAULT_PORT);
    }

    /** The port a variable gives, its default when unset; anything else is one line naming the variable. */
    static int port(String variable, String value, int defaultPort) {
        if (value == null || value.isBlank()) {
            return defaultPort;
        }
        try {
            int port = Integer.parseInt(value.strip());
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException(variable + " is '" + value + "': use a port number from 1 to 65535");
    }

    /** Says every few seconds how much of the slot's backlog is stored, until it is drained or the job ends. */
    private void printBacklog(Backlog backlog, CompletableFuture<JobExecutionResult> result)
            throws InterruptedException {
        System.out.println(backlog.start());
        while (!stopping.get() && !result.isDone()) {
            try {
                result.get(
                        BACKLOG_EVERY.toMillis(), TimeUnit.MILLISECONDS); // the next look, or at once when the job ends
            } catch (TimeoutException | ExecutionException e) {
                // looked again below, or said by outcome
            }
            String line;
            try {
                line = backlog.progress();
            } catch (SQLException e) {
                LOG.info("Cannot read the backlog's progress: {}", e.getMessage());
                continue;
            }
            System.out.println(line);
            if (line.startsWith("backlog: drained")) {
                return;
            }
        }
    }

    /** How often a backlog drain says how far it is. */
    static final Duration BACKLOG_EVERY = Duration.ofSeconds(5);

    /** Prints each new row of changes until the job ends or the runner stops. */
    private void printChanges(EmbeddedDatabase db, CompletableFuture<JobExecutionResult> result)
            throws InterruptedException {
        Set<Object> seen = new HashSet<>(); // by id: the sink's subtasks store rows out of WAL order
        System.out.printf(
                "%-12s %-6s %-9s %-45s %-45s %-30s %s%n",
                "primary_key", "table", "operation", "before", "after", "context", "committed_at");
        while (!stopping.get() && !result.isDone()) {
            List<Map<String, Object>> rows;
            try {
                rows = db.query("SELECT * FROM changes ORDER BY position");
            } catch (SQLException e) {
                return; // the database is stopping
            }
            for (Map<String, Object> row : rows) {
                if (!seen.add(row.get("id"))) {
                    continue;
                }
                System.out.printf(
                        "%-12s %-6s %-9s %-45s %-45s %-30s %s%n",
                        row.get("primary_key"),
                        row.get("table"),
                        row.get("operation"),
                        row.get("before"),
                        row.get("after"),
                        row.get("context"),
                        ((Timestamp) row.get("committed_at")).toInstant());
            }
            try {
                result.get(500, TimeUnit.MILLISECONDS); // the next look, or at once when the job ends
            } catch (TimeoutException | ExecutionException e) {
                // looked again above, or said by outcome
            }
        }
    }

    /**
     * The shutdown hook (Ctrl-C, SIGTERM, or main's exit): cancels the job if it still runs and stops the embedded
     * database, each step bounded, within {@link #STOP_WITHIN}; a watchdog halts the JVM at {@link #HALT_AFTER}.
     */
    private void stop() {
        stopping.set(true);
        Thread watchdog = new Thread(
                () -> {
                    try {
                        Thread.sleep(HALT_AFTER.toMillis());
                    } catch (InterruptedException e) {
                        return;
                    }
                    System.err.println("Stopping took longer than " + HALT_AFTER.toMillis() + " ms: halting.");
                    Runtime.getRuntime().halt(exitStatus);
                },
                "local-runner-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();

        long start = System.nanoTime();
        if (!exiting) {
            System.out.println("Stopping...");
        }
        JobClient client = this.client;
        CompletableFuture<JobExecutionResult> result = this.result;
        if (client != null && result != null && !result.isDone()) {
            step("cancelling the job", start, CANCEL_WITHIN, () -> {
                client.cancel().handle((ack, e) -> null).get(); // failed where the job has just ended
                // cancelled once the job is: the MiniCluster then shuts itself down
                return result.handle((r, e) -> null).get();
            });
        }
        ChangeBrowser browser = this.browser;
        if (browser != null) {
            step("stopping the change browser", start, STOP_WITHIN, () -> {
                browser.close();
                return null;
            });
        }
        EmbeddedDatabase db = this.db;
        if (db != null) {
            step("stopping the embedded PostgreSQL", start, STOP_WITHIN, () -> {
                db.close();
                return null;
            });
        }
        if (!exiting) {
            System.out.println("Stopped.");
        }
    }

    /** Runs {@code action} in a daemon thread, waiting for it until {@code within} after {@code start}. */
    private static void step(String what, long start, Duration within, Callable<?> action) {
        FutureTask<?> task = new FutureTask<>(action);
        Thread thread = new Thread(task, "local-runner-stop-step");
        thread.setDaemon(true);
        thread.start();
        long left = within.toNanos() - (System.nanoTime() - start);
        try {
            task.get(Math.max(left, 0), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            System.err.println("Stopping: " + what + " did not end within " + within.toSeconds() + " s; going on.");
        } catch (ExecutionException e) {
            System.err.println("Stopping: " + what + " failed: " + oneLine(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
