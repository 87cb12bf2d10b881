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

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.model.ChangeId;
import org.audittrail.udf.values.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Metrics of the changes a sink writer has stored, counted once their batch is written: how many, how fast (also per
 * table), how long after their commit, the share that carries application context, and those with partial images (each
 * table of them also named once in a warning). Numbers only, never values.
 */
public final class StoredChanges {

    private static final Logger LOG = LoggerFactory.getLogger(StoredChanges.class);

    public static final String STORED = "changesStored";
    public static final String STORED_PER_SECOND = "changesStoredPerSecond";
    public static final String STORED_WITH_CONTEXT = "changesStoredWithContext";
    public static final String CONTEXT_SHARE = "contextShare";
    public static final String LATENCY = "commitToStoredLatencyMs";
    public static final String SINCE_LAST_COMMIT = "timeSinceLastStoredCommitMs";
    /** Stored changes marked {@code partial}: values the WAL did not carry, as the table's replica identity is not FULL. */
    public static final String WITH_PARTIAL_IMAGE = "changesWithPartialImage";
    /** Key of the per-table subgroup; its value, {@code schema.table}, becomes a Prometheus label. */
    public static final String TABLE_GROUP = "table";

    /** Stored changes the latency histogram's percentiles are computed over: a minute of 1,000 changes/s per writer. */
    static final int LATENCY_WINDOW = 65_536;

    /** Seconds the rates are averaged over. */
    static final int RATE_SECONDS = 60;

    private final MetricGroup group;
    private final Counter stored;
    private final Counter withContext;
    private final Histogram latency;
    private final Map<String, Counter> perTable = new HashMap<>();
    private final Counter partial;
    private volatile long lastCommitMillis = -1;
    /** This job's tables already warned of (shared by the writers of a JVM): {@code job table}. */
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private static final int MAX_WARNED = 100_000;
    private final String job;

    StoredChanges(MetricGroup group) {
        this(group, "");
    }

    /** Metrics of a writer of the job {@code job}, in whose log a table with partial images is named once. */
    StoredChanges(MetricGroup group, String job) {
        this.group = group;
        this.job = job;
        // batches are written by the task thread and by the JDBC sink's flush timer, one at a time
        stored = group.counter(STORED, new ThreadSafeSimpleCounter());
        group.meter(STORED_PER_SECOND, new MeterView(stored, RATE_SECONDS));
        withContext = group.counter(STORED_WITH_CONTEXT, new ThreadSafeSimpleCounter());
        group.gauge(CONTEXT_SHARE, this::contextShare);
        latency = group.histogram(LATENCY, new DescriptiveStatisticsHistogram(LATENCY_WINDOW));
        group.gauge(SINCE_LAST_COMMIT, this::sinceLastCommit);
        partial = group.counter(WITH_PARTIAL_IMAGE, new ThreadSafeSimpleCounter());
    }

    /** Counts a batch the destination has just taken. */
    synchronized void stored(List<Change> batch) {
        long now = System.currentTimeMillis();
        for (Change change : batch) {
            long committed = Math.floorDiv(change.committedAt, 1_000L);
            latency.update(Math.max(0, now - committed));
            if (change.context != null && !Json.EMPTY_OBJECT.equals(change.context)) {
                withContext.inc();
            }
            lastCommitMillis = Math.max(lastCommitMillis, committed);
            table(change).inc();
            if (change.partial) {
                partial(change);
            }
            // last, so whoever reads all changes counted here finds every other metric of them updated
            stored.inc();
        }
    }

    private void partial(Change change) {
        partial.inc();
        String table = quoted(change.schema) + "." + quoted(change.table);
        if (WARNED.size() >= MAX_WARNED) {
            WARNED.clear(); // a bound for a job that sees ever new tables
        }
        if (WARNED.add(job + " " + change.database + " " + table)) {
            LOG.warn(
                    "Table {} (database {}) is not REPLICA IDENTITY FULL: the WAL carries only the key columns of its"
                            + " old rows, and no unchanged TOASTed value, so its changes are stored with those values left"
                            + " out of before/after and partial = true (first at WAL position {}, change {}). Run ALTER TABLE"
                            + " {} REPLICA IDENTITY FULL; in the source database (setup does it at the next start). Further"
                            + " ones are only counted in {}",
                    table,
                    change.database,
                    Change.lsn(change.position),
                    ChangeId.of(change),
                    table,
                    WITH_PARTIAL_IMAGE);
        }
    }

    /** A name as SQL reads it: quoted where it must be. */
    static String quoted(String name) {
        return name.matches("[a-z_][a-z0-9_$]*") ? name : "\"" + name.replace("\"", "\"\"") + "\"";
    }

    private Counter table(Change change) {
        return perTable.computeIfAbsent(change.schema + "." + change.table, name -> {
            MetricGroup table = group.addGroup(TABLE_GROUP, name);
            Counter counter = table.counter(STORED, new ThreadSafeSimpleCounter());
            table.meter(STORED_PER_SECOND, new MeterView(counter, RATE_SECONDS));
            return counter;
        });
    }

    /** Changes with context over all changes this writer stored since it started; 0 before the first. */
    double contextShare() {
        long all = stored.getCount();
        return all == 0 ? 0.0 : (double) withContext.getCount() / all;
    }

    /** Milliseconds since the commit of the newest change this writer stored; -1 before the first. */
    long sinceLastCommit() {
        long last = lastCommitMillis;
        return last < 0 ? -1 : Math.max(0, System.currentTimeMillis() - last);
    }
}
