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

import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.audittrail.job.AuditTrailJob;
import org.audittrail.job.cli.Main;
import org.audittrail.job.config.JobConfig;

/**
 * The demo and the local launcher: the job in a local Flink MiniCluster with the web UI on localhost:8081, until Ctrl-C.
 *
 * <p>{@code embedded}: on an embedded PostgreSQL with seed 003's todo table, making a few changes and
 * printing the rows of {@code changes} as they land. {@code local}: against the database given by DB_*.
 */
public final class LocalRunner {

    public static void main(String[] args) throws Exception {
        boolean embedded = args.length == 0 || "embedded".equals(args[0]);
        EmbeddedDatabase db = embedded ? EmbeddedDatabase.start() : null;
        String[] jobArgs = embedded ? db.args() : new String[0];
        if (embedded) {
            db.executeResource("demo/todo-schema.sql");
        }

        Configuration config = new Configuration();
        config.set(RestOptions.PORT, 8081);
        config.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                Path.of("target", "local-checkpoints").toAbsolutePath().toUri().toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(config);
        JobConfig options = Main.config(jobArgs);
        AuditTrailJob.build(env, options);
        JobClient client = env.executeAsync(options.jobName());
        System.out.println("Job running, web UI on http://localhost:8081 . Ctrl-C stops it.");

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Stopping...");
            try {
                client.cancel().get();
                if (db != null) {
                    db.close();
                }
            } catch (Exception e) {
                System.err.println("Stopping failed: " + e.getMessage());
            }
            stopped.countDown();
        }));

        if (embedded) {
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
            printChanges(db, stopped);
        }
        stopped.await();
    }

    /** Prints each new row of changes until stopped. */
    private static void printChanges(EmbeddedDatabase db, CountDownLatch stopped) throws InterruptedException {
        Set<Object> seen = new HashSet<>(); // by id: the sink's subtasks store rows out of WAL order
        System.out.printf(
                "%-12s %-6s %-9s %-45s %-45s %-30s %s%n",
                "primary_key", "table", "operation", "before", "after", "context", "committed_at");
        while (stopped.getCount() > 0) {
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
            stopped.await(500, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }
}
