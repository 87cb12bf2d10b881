package org.audittrail.job;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.CheckpointConfig;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.audittrail.udf.Change;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * The audit-trail job: every row change of a PostgreSQL database, read from its WAL, stored in {@code changes}.
 *
 * <p>Commands: {@code run} (the default) runs the job, {@code setup} prepares source and destination,
 * {@code disconnect} removes from the source what setup installed.
 *
 * <p>Options of every command (each defaults to the environment variable named):
 * <ul>
 *   <li>{@code --db-host} (DB_HOST, localhost), {@code --db-port} (DB_PORT, 5432), {@code --db-name} (DB_NAME, postgres),
 *       {@code --db-user} (DB_USER, postgres), {@code --db-password} (DB_PASSWORD): the source database.</li>
 *   <li>{@code --destination-db-host}, {@code --destination-db-port}, {@code --destination-db-name},
 *       {@code --destination-db-user}, {@code --destination-db-password} (DESTINATION_DB_*): where {@code changes}
 *       lives; each defaults to the source's setting.</li>
 * </ul>
 * Options of {@code run}:
 * <ul>
 *   <li>{@code --checkpoint-interval-ms} (10000): how often a checkpoint is taken; the slot advances at each.</li>
 *   <li>{@code --batch-size} (500) and {@code --flush-interval-ms} (200): the sink writes when either is reached.</li>
 *   <li>{@code --retention-days} (RETENTION_DAYS, 0 = keep forever): daily partitions older than this are dropped.</li>
 *   <li>{@code --skip-setup}: do not run setup before starting (for a role without setup's privileges).</li>
 * </ul>
 */
@Command(name = "audit-trail", mixinStandardHelpOptions = true, version = "audit-trail 0.1.0",
        description = "Captures every row change of a PostgreSQL database into a changes table.",
        subcommands = {AuditTrailJob.SetupCommand.class, AuditTrailJob.DisconnectCommand.class})
public class AuditTrailJob implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(AuditTrailJob.class);

    /** Prefix of every operator uid; uids must never change, or savepoints no longer restore. */
    public static final String UID_PREFIX = "audit-trail-";

    @Mixin
    DatabaseOptions databases;

    @Option(names = "--checkpoint-interval-ms", defaultValue = "10000", description = "Checkpoint interval (default 10000).")
    long checkpointIntervalMs;

    @Option(names = "--batch-size", defaultValue = "500", description = "Changes per insert batch (default 500).")
    int batchSize;

    @Option(names = "--flush-interval-ms", defaultValue = "200", description = "Longest wait before a batch is written (default 200).")
    long flushIntervalMs;

    @Option(names = "--retention-days", defaultValue = "${env:RETENTION_DAYS:-0}", description = "Days of changes kept, 0 for ever (RETENTION_DAYS, default 0).")
    int retentionDays;

    @Option(names = "--skip-setup", description = "Do not run setup before starting.")
    boolean skipSetup;

    public static void main(String[] args) {
        int exit = commandLine().execute(args);
        if (exit != 0) {
            System.exit(exit);
        }
    }

    /** The command line, with errors printed as one clear line rather than a stack trace. */
    public static CommandLine commandLine() {
        return new CommandLine(new AuditTrailJob()).setOverwrittenOptionsAllowed(true).setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("audit-trail: " + e.getMessage());
            return 1;
        });
    }

    @Override
    public Integer call() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        build(env);
        env.execute(jobName());
        return 0;
    }

    /** The job's name in the web UI; it names the source database, never its password. */
    public String jobName() {
        return "audit-trail " + databases.source();
    }

    /** Prepares the databases (unless told not to) and builds the pipeline in {@code env}. */
    public void build(StreamExecutionEnvironment env) {
        Database source = databases.source();
        Database destination = databases.destination();
        if (!skipSetup) {
            setup(source, destination);
        }
        List<String> tables = Setup.trackedTables(source);
        LOG.info("Capturing {} into {} from {} tables: {}", source, destination, tables.size(), tables);
        configure(env, checkpointIntervalMs);
        pipeline(env,
                WalSource.create(source, tables),
                ChangesSink.create(destination, batchSize, flushIntervalMs),
                new PartitionMaintenance(destination, retentionDays));
    }

    /** Checkpointing exactly-once, kept on cancel so a stopped job can be restored; no Kryo fallback. */
    public static void configure(StreamExecutionEnvironment env, long checkpointIntervalMs) {
        env.enableCheckpointing(checkpointIntervalMs, CheckpointingMode.EXACTLY_ONCE);
        env.getCheckpointConfig().setExternalizedCheckpointCleanup(
                CheckpointConfig.ExternalizedCheckpointCleanup.RETAIN_ON_CANCELLATION);
        env.getConfig().disableGenericTypes();
    }

    /** The pipeline: WAL source, row changes, partition upkeep, changes sink. */
    public static void pipeline(StreamExecutionEnvironment env, Source<Change, ?, ?> source, Sink<Change> sink,
                                PartitionMaintenance maintenance) {
        DataStream<Change> wal = env.fromSource(source, WatermarkStrategy.noWatermarks(), "WAL")
                .uid(UID_PREFIX + "wal")
                .setParallelism(1);
        DataStream<Change> changes = wal
                .filter(change -> change.operation.isRowChange())
                .name("Row changes")
                .uid(UID_PREFIX + "row-changes");
        changes.map(maintenance)
                .name("Partition maintenance")
                .uid(UID_PREFIX + "partition-maintenance")
                .setParallelism(1)
                .sinkTo(sink)
                .name("changes")
                .uid(UID_PREFIX + "changes-sink");
    }

    static void setup(Database source, Database destination) {
        // the source first: a wrong wal_level stops setup before it creates anything
        Setup.prepareSource(source, Setup.trackedTables(source));
        Setup.prepareDestination(destination);
    }

    /** {@code setup}: prepares source and destination; running it again changes nothing. */
    @Command(name = "setup", mixinStandardHelpOptions = true,
            description = "Checks wal_level, creates slot, publication, replica-identity triggers and the changes table.")
    static class SetupCommand implements Callable<Integer> {
        @Mixin
        DatabaseOptions databases;

        @Override
        public Integer call() {
            setup(databases.source(), databases.destination());
            System.out.println("Setup done: source " + databases.source() + ", destination " + databases.destination());
            return 0;
        }
    }

    /** {@code disconnect}: removes triggers, slot and publication from the source, as seed 000 lists them. */
    @Command(name = "disconnect", mixinStandardHelpOptions = true,
            description = "Removes the triggers, the replication slot and the publication from the source database.")
    static class DisconnectCommand implements Callable<Integer> {
        @Mixin
        DatabaseOptions databases;

        @Override
        public Integer call() {
            Setup.disconnect(databases.source());
            System.out.println("Disconnected " + databases.source() + ": changes made from now on are not captured.");
            return 0;
        }
    }
}
