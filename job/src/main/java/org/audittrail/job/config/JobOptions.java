package org.audittrail.job.config;

import org.audittrail.job.db.Database;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options of {@code run}: databases, tracking, checkpoints, batching, retention. */
public class JobOptions {

    @Mixin
    public DatabaseOptions databases = new DatabaseOptions();

    @Mixin
    public TrackingOptions tracking = new TrackingOptions();

    @Option(names = "--checkpoint-interval-ms", defaultValue = "10000", description = "Checkpoint interval; the slot advances at each (default 10000).")
    public long checkpointIntervalMs;

    @Option(names = "--batch-size", defaultValue = "500", description = "Changes per batch, one COPY (default 500).")
    public int batchSize;

    @Option(names = "--flush-interval-ms", defaultValue = "200", description = "Longest wait before a batch is written, where its input is never idle (default 200).")
    public long flushIntervalMs;

    @Option(names = "--retention-days", defaultValue = "${env:RETENTION_DAYS:-0}", description = "Days of changes kept, 0 for ever (RETENTION_DAYS, default 0).")
    public int retentionDays;

    @Option(names = "--allow-restore-behind-slot",
            description = "Start although changes may have been lost: from a checkpoint or savepoint behind the slot's position"
                    + " (skipping the changes in between), or without the slot the restored state read from (created anew at the current position).")
    public boolean allowRestoreBehindSlot;

    @Option(names = "--heartbeat-interval-ms", defaultValue = "10000",
            description = "How often the job writes a heartbeat message into the source's WAL, so its position, and the slot's,"
                    + " advance while no tracked table changes (default 10000).")
    public long heartbeatIntervalMs;

    @Option(names = "--publication-check-interval-ms", defaultValue = "60000",
            description = "How often the job checks that every tracked table is still in publication bemi, warning of one"
                    + " dropped from it by hand (default 60000).")
    public long publicationCheckIntervalMs;

    @Option(names = "--slot-lag-interval-ms", defaultValue = "15000",
            description = "How often the job queries the WAL the replication slot holds, for the metric replicationSlotLagBytes (default 15000).")
    public long slotLagIntervalMs;

    @Option(names = "--skip-setup", description = "Do not run setup before starting (for a role without setup's privileges).")
    public boolean skipSetup;

    public Database source() {
        return databases.source();
    }

    public Database destination() {
        return databases.destination();
    }

    /** The job's name in the web UI; it names the source database, never its password. */
    public String jobName() {
        return "audit-trail " + source();
    }
}
