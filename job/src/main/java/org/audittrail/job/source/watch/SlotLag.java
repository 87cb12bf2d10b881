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
import org.apache.flink.metrics.Gauge;
import org.audittrail.job.db.Database;
import org.audittrail.job.db.ScheduledProbe;
import org.audittrail.job.setup.Setup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gauge {@value #METRIC}: bytes of WAL the replication slot still holds ({@code pg_current_wal_lsn() -
 * confirmed_flush_lsn}), queried every so often in a daemon thread, never per change. -1 until the first query
 * succeeds and whenever the last one failed; a failure is logged once, never fails the job, and is retried.
 */
public final class SlotLag implements Gauge<Long>, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SlotLag.class);

    /** Name of the gauge, on the WAL source's operator. */
    public static final String METRIC = "replicationSlotLagBytes";

    private static final String QUERY =
            "SELECT (pg_current_wal_lsn() - confirmed_flush_lsn)::bigint FROM pg_replication_slots"
                    + " WHERE slot_name = ? AND database = current_database()";

    private final Database source;
    private final long intervalMs;
    private volatile long bytes = -1;
    private ScheduledProbe probe;
    private Connection connection;
    private boolean failing;

    public SlotLag(Database source, long intervalMs) {
        this.source = source;
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
                s.setString(1, Setup.SLOT);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next() || rs.getObject(1) == null) {
                        failed("replication slot " + Setup.SLOT + " not found in " + source);
                        return;
                    }
                    bytes = rs.getLong(1);
                }
            }
            if (failing) {
                LOG.info("Reading the WAL held by replication slot {} works again; {} shows it", Setup.SLOT, METRIC);
                failing = false;
            }
        } catch (SQLException | RuntimeException e) {
            closeConnection();
            failed(e.getMessage());
        }
    }

    private void failed(String reason) {
        bytes = -1;
        if (!failing) {
            // once per run of failures: a database that is down must not flood the log every few seconds
            LOG.warn(
                    "Cannot read the WAL held by replication slot {}, {} shows -1 until it can (retried every {} ms): {}",
                    Setup.SLOT,
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
