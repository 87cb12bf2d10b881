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
package org.audittrail.job.sink;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.audittrail.job.db.Database;
import org.audittrail.job.db.ScheduledProbe;
import org.audittrail.udf.model.Change;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes changes through unchanged and, every hour, creates the coming days' partitions of {@code changes}
 * and applies the retention; a failure is logged and retried, as changes_default takes every row meanwhile.
 * Each subtask does it; the routines are idempotent and take a lock.
 */
public class PartitionMaintenance extends RichMapFunction<Change, Change> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(PartitionMaintenance.class);

    /** How many days ahead partitions exist. */
    static final int DAYS_AHEAD = 7;

    /** From how many partitions to create at once the upkeep says so before and after. */
    static final int MANY = 20;

    /** How many partitions changes_create_partitions would create now: its days that have none yet. */
    static final String COMING =
            "SELECT count(*)::int FROM (SELECT generate_series(d, d + ?, interval '1 day')::date AS day"
                    + " FROM (SELECT (now() AT TIME ZONE 'UTC')::date AS d) today"
                    + " UNION SELECT DISTINCT (\"committed_at\" AT TIME ZONE 'UTC')::date FROM changes_default) days"
                    + " WHERE to_regclass(quote_ident('changes_' || to_char(day, 'YYYYMMDD'))) IS NULL";

    /** What else to do after each retention, on its connection: the hash chain's anchors signed (docs/tamper-evidence.md). */
    @FunctionalInterface
    public interface AfterRetention extends java.io.Serializable {
        void run(Connection c) throws Exception;
    }

    private final Database destination;
    private final int retentionDays;
    private final AfterRetention afterRetention;
    private transient ScheduledProbe probe;

    public PartitionMaintenance(Database destination, int retentionDays) {
        this(destination, retentionDays, null);
    }

    public PartitionMaintenance(Database destination, int retentionDays, AfterRetention afterRetention) {
        this.destination = destination;
        this.retentionDays = retentionDays;
        this.afterRetention = afterRetention;
    }

    @Override
    public void open(OpenContext openContext) {
        probe = ScheduledProbe.start("partition-maintenance", Duration.ZERO, Duration.ofHours(1), this::maintain);
    }

    @Override
    public Change map(Change change) {
        return change;
    }

    /** Creates partitions and drops expired ones. */
    void maintain() {
        try (Connection c = destination.connect()) {
            int coming = call(c, COMING, DAYS_AHEAD);
            long started = System.nanoTime();
            if (coming >= MANY) {
                // one transaction creates them all, holding writers to changes: said before, so a long pause is
                // explained
                LOG.info("Partitions of changes: creating {} at once (days with rows in changes_default)", coming);
            }
            int created = call(c, "SELECT changes_create_partitions(?)", DAYS_AHEAD);
            if (coming >= MANY) {
                LOG.info(
                        "Partitions of changes: {}/{} created in {} s",
                        created,
                        coming,
                        (System.nanoTime() - started) / 1_000_000_000L);
            }
            int dropped = call(c, "SELECT changes_apply_retention(?)", retentionDays);
            if (created + dropped > 0) {
                LOG.info(
                        "Partitions of changes: {} created, {} dropped by the {}-day retention",
                        created,
                        dropped,
                        retentionDays);
            }
            if (afterRetention != null) {
                afterRetention.run(c);
            }
        } catch (Exception e) {
            LOG.warn("Partition maintenance failed, retried in an hour: {}", e.getMessage());
        }
    }

    private static int call(Connection c, String sql, int argument) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setInt(1, argument);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Override
    public void close() {
        if (probe != null) {
            probe.close();
        }
    }
}
