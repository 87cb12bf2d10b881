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
package org.audittrail.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.management.ListenerNotFoundException;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.apache.flink.api.common.JobID;
import org.audittrail.job.testing.TestDatabase;

/**
 * Commit-to-stored latency of each change as the destination recorded it, and what overlapped the slowest ones: the
 * JVM's collections (the MiniCluster runs in this JVM) and the job's checkpoints. A change's stored time is the commit
 * time of the sink's transaction that wrote it ({@code pg_xact_commit_timestamp(xmin)}, track_commit_timestamp is on).
 */
final class Stalls implements AutoCloseable {

    /** A span of wall-clock time, in epoch milliseconds, and what it was. */
    record Span(long from, long to, String what) {
        boolean overlaps(long a, long b) {
            return from <= b && to >= a;
        }
    }

    /** One change: when its source transaction committed and how long until it was stored. */
    record Stored(long committed, double ms) {}

    private final List<Span> collections = new CopyOnWriteArrayList<>();
    private final List<NotificationEmitter> watched = new ArrayList<>();
    private final NotificationListener listener = (notification, handback) -> {
        if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
            GarbageCollectionNotificationInfo info =
                    GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
            long start = ManagementFactory.getRuntimeMXBean().getStartTime()
                    + info.getGcInfo().getStartTime();
            collections.add(new Span(
                    start,
                    start + info.getGcInfo().getDuration(),
                    info.getGcName() + " " + info.getGcAction().replace("end of ", "") + " "
                            + info.getGcInfo().getDuration() + " ms"));
        }
    };

    /** Starts recording this JVM's collections. */
    Stalls() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            NotificationEmitter emitter = (NotificationEmitter) gc;
            emitter.addNotificationListener(listener, null, null);
            watched.add(emitter);
        }
    }

    /** Each stored change of {@code table} but the first {@code skip} (the caught-up probe), by commit time. */
    static List<Stored> stored(TestDatabase db, String table, int skip) throws Exception {
        List<Stored> out = new ArrayList<>();
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT (extract(epoch FROM committed_at) * 1000)::bigint,"
                        + " extract(epoch FROM pg_xact_commit_timestamp(xmin) - committed_at) * 1000"
                        + " FROM changes WHERE \"table\" = '" + table + "' ORDER BY committed_at OFFSET " + skip)) {
            while (rs.next()) {
                out.add(new Stored(rs.getLong(1), rs.getDouble(2)));
            }
        }
        return out;
    }

    /** p50, p99 and max of the changes' latencies. */
    static double[] percentiles(List<Stored> changes) {
        double[] ms = changes.stream().mapToDouble(Stored::ms).sorted().toArray();
        if (ms.length == 0) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN};
        }
        return new double[] {
            ms[(int) Math.floor(0.5 * (ms.length - 1))], ms[(int) Math.ceil(0.99 * (ms.length - 1))], ms[ms.length - 1]
        };
    }

    /** The job's checkpoints the REST API still lists, each from its trigger to its last acknowledgement. */
    static List<Span> checkpoints(URI rest, JobID job) throws Exception {
        com.fasterxml.jackson.databind.JsonNode history = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(rest.resolve("/jobs/" + job + "/checkpoints"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body())
                .get("history");
        List<Span> out = new ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode c : history) {
            long trigger = c.get("trigger_timestamp").asLong();
            long duration = c.get("end_to_end_duration").asLong();
            out.add(new Span(
                    trigger, trigger + duration, "checkpoint " + c.get("id").asText() + " " + duration + " ms"));
        }
        return out;
    }

    /** The {@code n} slowest changes, each with its offset from the first change and what overlapped its wait. */
    String slowest(List<Stored> changes, List<Span> checkpoints, int n) {
        if (changes.isEmpty()) {
            return "none";
        }
        long first = changes.get(0).committed();
        List<String> out = new ArrayList<>();
        changes.stream()
                .sorted((a, b) -> Double.compare(b.ms(), a.ms()))
                .limit(n)
                .forEach(change -> {
                    long stored = change.committed() + Math.round(change.ms());
                    List<String> during = new ArrayList<>();
                    for (Span span : checkpoints) {
                        if (span.overlaps(change.committed(), stored)) {
                            during.add(span.what());
                        }
                    }
                    long pauses = 0;
                    for (Span span : collections) {
                        if (span.overlaps(change.committed(), stored)) {
                            pauses += span.to() - span.from();
                        }
                    }
                    if (pauses > 0) {
                        during.add("collections " + pauses + " ms");
                    }
                    out.add(String.format(
                            "%.0f ms at %.1f s%s",
                            change.ms(),
                            (change.committed() - first) / 1000.0,
                            during.isEmpty() ? "" : " (" + String.join(", ", during) + ")"));
                });
        return String.join("; ", out);
    }

    @Override
    public void close() throws ListenerNotFoundException {
        for (NotificationEmitter emitter : watched) {
            emitter.removeNotificationListener(listener);
        }
    }
}
