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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.audittrail.job.db.Database;
import org.audittrail.job.db.ScheduledProbe;
import org.audittrail.job.setup.Replication;
import org.audittrail.job.setup.Setup;
import org.audittrail.udf.selection.TableSelection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks now and then, while the job runs, that every tracked table is in publication {@code bemi}: one dropped from
 * it by hand has its changes silently left out of the WAL stream. Says so (a warning per table, metric
 * {@value #METRIC}); the job's next start, which runs setup, puts it back.
 */
public final class PublicationWatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PublicationWatch.class);

    /** Gauge of the tracked tables missing from the publication at the last check; -1 while the check cannot run. */
    public static final String METRIC = "tablesMissingFromPublication";

    private final Database source;
    private final TableSelection tables;
    private final String publication;
    private final long intervalMs;
    private final Set<String> reported = new HashSet<>();
    private volatile long missing;
    private boolean failureLogged;
    private ScheduledProbe probe;

    public PublicationWatch(Database source, TableSelection tables, long intervalMs) {
        this(source, tables, Replication.BEMI.publication(), intervalMs);
    }

    public PublicationWatch(Database source, TableSelection tables, String publication, long intervalMs) {
        this.source = source;
        this.publication = publication;
        this.tables = tables;
        this.intervalMs = intervalMs;
    }

    public void start(MetricGroup metrics) {
        metrics.gauge(METRIC, (Gauge<Long>) () -> missing);
        Duration interval = Duration.ofMillis(intervalMs);
        probe = ScheduledProbe.start("audit-trail publication watch", interval, interval, this::check);
    }

    /** One check; never throws, since a source that is briefly away must not fail the job. */
    void check() {
        try {
            Setup.Capture capture = Setup.capture(source, tables);
            List<String> tracked = capture.tracked();
            Set<String> published = new HashSet<>();
            boolean exists = false;
            try (Connection c = source.connect();
                    PreparedStatement s = c.prepareStatement(
                            "SELECT p.puballtables, t.schemaname, t.tablename FROM pg_publication p"
                                    + " LEFT JOIN pg_publication_tables t ON t.pubname = p.pubname WHERE p.pubname = ?")) {
                s.setString(1, publication);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        exists = true;
                        if (rs.getBoolean(1)) {
                            missing = 0;
                            return; // FOR ALL TABLES: nothing can be missing
                        }
                        if (rs.getString(2) != null) {
                            published.add(rs.getString(2) + "." + rs.getString(3));
                        }
                    }
                }
            }
            List<String> absent = new ArrayList<>(tracked);
            absent.removeAll(published);
            for (String table : absent) {
                if (reported.add(table)) {
                    LOG.warn(
                            "Tracked table {} is not in publication {}{}: its changes are not captured. The job's next start"
                                    + " (setup) adds it again; or run ALTER PUBLICATION {} ADD TABLE {}; (metric {})",
                            table,
                            publication,
                            exists ? " (changed by hand?)" : ", which no longer exists",
                            publication,
                            capture.sql(table),
                            METRIC);
                }
            }
            reported.retainAll(absent); // a table back in the publication is reported again if it leaves again
            missing = absent.size();
            failureLogged = false;
        } catch (RuntimeException | java.sql.SQLException e) {
            missing = -1;
            if (!failureLogged) {
                failureLogged = true;
                LOG.warn("Cannot check publication {} on {}: {}", publication, source, e.getMessage());
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
