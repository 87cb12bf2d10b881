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
package org.audittrail.job.source.watch;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.metrics.Gauge;
import org.audittrail.job.db.Database;
import org.audittrail.job.db.ScheduledProbe;
import org.audittrail.job.setup.Replication;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replication slot, watched: the gauges {@value #METRIC} (bytes of WAL the slot still holds, {@code
 * pg_current_wal_lsn() - confirmed_flush_lsn}), {@value #STATUS_METRIC} (its {@code wal_status} as a number, see
 * {@link #status(String)}) and {@value #SAFE_WAL_SIZE_METRIC} (bytes that may still be written before the slot is
 * lost, where {@code max_slot_wal_keep_size} is set), queried every so often in a daemon thread, never per change.
 * Each is -1 until the first query succeeds and whenever the last one failed; a failure is logged once, never fails
 * the job, and is retried. A status leaving {@code reserved} is warned of once; a slot PostgreSQL invalidated is
 * {@link #lost()}, which the source turns into the job's failure.
 */
public final class SlotLag implements Gauge<Long>, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SlotLag.class);

    /** Name of the gauge, on the WAL source's operator. */
    public static final String METRIC = "replicationSlotLagBytes";

    /** Name of the gauge of the slot's {@code wal_status}: 0 reserved, 1 extended, 2 unreserved, 3 lost. */
    public static final String STATUS_METRIC = "replicationSlotWalStatus";

    /** Name of the gauge of the slot's {@code safe_wal_size}; -1 where {@code max_slot_wal_keep_size} is -1. */
    public static final String SAFE_WAL_SIZE_METRIC = "replicationSlotSafeWalSizeBytes";

    // invalidation_reason is PostgreSQL 17's; read through to_jsonb so older servers answer null
    private static final String QUERY =
            "SELECT (pg_current_wal_lsn() - confirmed_flush_lsn)::bigint, wal_status, safe_wal_size,"
                    + " to_jsonb(s) ->> 'invalidation_reason' FROM pg_replication_slots s"
                    + " WHERE slot_name = ? AND database = current_database()";

    private static final List<String> STATUSES = List.of("reserved", "extended", "unreserved", "lost");

    private final Database source;
    private final String slot;
    private final long intervalMs;
    private volatile long bytes = -1;
    private volatile int status = -1;
    private volatile long safeWalSize = -1;
    private volatile String lost;
    private final CompletableFuture<Void> lostFuture = new CompletableFuture<>();
    private ScheduledProbe probe;
    private Connection connection;
    private boolean failing;

    public SlotLag(Database source, long intervalMs) {
        this(source, Replication.BEMI.slot(), intervalMs);
    }

    public SlotLag(Database source, String slot, long intervalMs) {
        this.source = source;
        this.slot = slot;
        this.intervalMs = intervalMs;
    }

    @Override
    public Long getValue() {
        return bytes;
    }

    /** Starts querying: at once, then every {@code intervalMs}. */
    public void start() {
        probe = ScheduledProbe.start("replication-slot-lag", Duration.ZERO, Duration.ofMillis(intervalMs), this::query);
    }

    /** One query; runs only in the probe's thread. */
    public void query() {
        try {
            if (connection == null) {
                connection = source.connect();
            }
            try (PreparedStatement s = connection.prepareStatement(QUERY)) {
                s.setString(1, slot);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next() || rs.getObject(1) == null) {
                        failed("replication slot " + slot + " not found in " + source);
                        return;
                    }
                    bytes = rs.getLong(1);
                    watchStatus(rs.getString(2), rs.getObject(3) == null ? -1 : rs.getLong(3), rs.getString(4));
                }
            }
            if (failing) {
                LOG.info("Reading the WAL held by replication slot {} works again; {} shows it", slot, METRIC);
                failing = false;
            }
        } catch (SQLException | RuntimeException e) {
            closeConnection();
            failed(e.getMessage());
        }
    }

    /** The slot's {@code wal_status} as the gauge shows it: its place in reserved, extended, unreserved, lost; else -1. */
    public static int status(String walStatus) {
        return STATUSES.indexOf(walStatus);
    }

    /** The gauge of the slot's {@code wal_status}. */
    public Gauge<Integer> walStatus() {
        return () -> status;
    }

    /** The gauge of the slot's {@code safe_wal_size}. */
    public Gauge<Long> safeWalSize() {
        return () -> safeWalSize;
    }

    /** Why capture cannot go on, once PostgreSQL has invalidated the slot; else null. */
    public String lost() {
        return lost;
    }

    /** Completes when the slot is found invalidated: the reader wakes up to fail even while no change arrives. */
    public CompletableFuture<Void> whenLost() {
        return lostFuture;
    }

    /** The refusal for a slot PostgreSQL invalidated: what was lost, and how to start again. */
    public static String lostMessage(String slot, String walStatus, String reason) {
        return "Replication slot " + slot + " was invalidated by PostgreSQL (wal_status " + walStatus
                + (reason == null ? "" : ", invalidation_reason " + reason)
                + "): the server removed WAL the job had not"
                + " confirmed, so changes made while the job was behind are lost and cannot be read from this slot. To"
                + " start again: SELECT pg_drop_replication_slot('" + slot
                + "'); then start the job (setup creates a new"
                + " slot at the current position; restoring a checkpoint or savepoint then needs "
                + "--allow-restore-behind-slot). To keep it from happening: alert on " + STATUS_METRIC
                + " > 0, or raise"
                + " max_slot_wal_keep_size.";
    }

    private void watchStatus(String walStatus, long safe, String reason) {
        int now = status(walStatus);
        safeWalSize = safe;
        if (now == 3 || reason != null) {
            if (lost == null) {
                lost = lostMessage(slot, walStatus, reason);
                LOG.error(lost);
                lostFuture.complete(null);
            }
        } else if (now > 0 && status <= 0) {
            LOG.warn(
                    "Replication slot {} has left wal_status reserved: it is {}, holding {} bytes of WAL beyond"
                            + " max_wal_size{}. PostgreSQL may remove WAL the job has not confirmed, and the slot and the"
                            + " changes in it are then lost: check that the job keeps up and checkpoints complete.",
                    slot,
                    walStatus,
                    bytes,
                    safe < 0 ? "" : "; " + safe + " bytes more and it is lost");
        } else if (now == 0 && status > 0) {
            LOG.info("Replication slot {} is back to wal_status reserved", slot);
        }
        status = now;
    }

    private void failed(String reason) {
        bytes = -1;
        status = -1;
        safeWalSize = -1;
        if (!failing) {
            // once per run of failures: a database that is down must not flood the log every few seconds
            LOG.warn(
                    "Cannot read the WAL held by replication slot {}, {} shows -1 until it can (retried every {} ms): {}",
                    slot,
                    METRIC,
                    intervalMs,
                    reason);
            failing = true;
        }
    }

    private void closeConnection() {
        connection = Database.closeQuietly(connection);
    }

    @Override
    public void close() {
        if (probe != null) {
            probe.close();
        }
        closeConnection();
    }
}
