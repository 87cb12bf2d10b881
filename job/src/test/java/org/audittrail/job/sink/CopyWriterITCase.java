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

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ScheduledFuture;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.audittrail.job.setup.Setup;
import org.audittrail.job.testing.TestDatabase;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.model.ChangeId;
import org.audittrail.udf.model.Operation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The COPY writer against a real destination: exact values, replays stored once, and when a batch is written. */
class CopyWriterITCase {

    static TestDatabase db;

    /** Processing time moved by the test; timers fire when it says. */
    static final class Clock implements ProcessingTimeService {
        long now = 1_000;
        final TreeMap<Long, List<ProcessingTimeCallback>> timers = new TreeMap<>();

        @Override
        public long getCurrentProcessingTime() {
            return now;
        }

        @Override
        public ScheduledFuture<?> registerTimer(long time, ProcessingTimeCallback callback) {
            timers.computeIfAbsent(time, t -> new ArrayList<>()).add(callback);
            return null;
        }

        void advance(long millis) throws Exception {
            now += millis;
            while (!timers.isEmpty() && timers.firstKey() <= now) {
                Map.Entry<Long, List<ProcessingTimeCallback>> due = timers.pollFirstEntry();
                for (ProcessingTimeCallback callback : due.getValue()) {
                    callback.onProcessingTime(due.getKey());
                }
            }
        }
    }

    Clock clock;
    CopyWriter writer;

    @BeforeAll
    static void start() {
        db = TestDatabase.start();
        Setup.prepareDestination(db.database());
    }

    @AfterAll
    static void stop() throws Exception {
        db.close();
    }

    @BeforeEach
    void newWriter() {
        db.execute("TRUNCATE changes");
        clock = new Clock();
        writer = new CopyWriter(
                db.database(), 3, 200, new StoredChanges(UnregisteredMetricsGroup.createOperatorMetricGroup()), clock);
    }

    static Change change(long position, String table, String after) {
        Change c = new Change();
        c.database = "postgres";
        c.schema = "public";
        c.table = table;
        c.primaryKey = String.valueOf(position);
        c.operation = Operation.CREATE;
        c.before = "{}";
        c.after = after;
        c.context = "{}";
        c.committedAt = 1_795_000_000_000_000L + position;
        c.queuedAt = c.committedAt + 1_000;
        c.transactionId = 700 + position;
        c.position = position;
        return c;
    }

    /** Changes in the table once the batch {@code writer} handed to its storing thread, if any, is stored. */
    long stored(CopyWriter writer) throws Exception {
        writer.awaitStored();
        return ((Number) db.value("SELECT count(*) FROM changes")).longValue();
    }

    long stored() throws Exception {
        return stored(writer);
    }

    @Test
    void valuesThatCopyEscapesArriveExactly() throws Exception {
        Change odd = change(1, "tab\there\nnew\\line", "{\"text\": \"a\\tb\\\\c\\nd\", \"raw\"  :\n [1,\t2]}");
        odd.schema = "we\\ird";
        odd.primaryKey = "[\"a\\tb\",\"\\\\\"]";
        odd.context = "{\"path\": \"/a\\\\b\", \"note\": \"line\\nbreak\"}";
        odd.fallbackColumns = new String[] {"qu\"ote", "com,ma", "back\\slash", Change.CONTEXT_COLUMN};
        writer.write(odd, null);
        writer.flush(false);
        Map<String, Object> row = db.query(
                        "SELECT \"schema\", \"table\", primary_key, operation, after::text AS after, context::text AS context,"
                                + " fallback_columns::text AS fallback, committed_at = to_timestamp(" + odd.committedAt
                                + " / 1e6) AS committed,"
                                + " transaction_id, position, id::text AS id FROM changes")
                .get(0);
        assertThat(row)
                .containsEntry("schema", "we\\ird")
                .containsEntry("table", "tab\there\nnew\\line")
                .containsEntry("primary_key", "[\"a\\tb\",\"\\\\\"]")
                .containsEntry("operation", "CREATE")
                .containsEntry("after", "{\"raw\": [1, 2], \"text\": \"a\\tb\\\\c\\nd\"}")
                .containsEntry("context", "{\"note\": \"line\\nbreak\", \"path\": \"/a\\\\b\"}")
                .containsEntry("fallback", "{\"qu\\\"ote\",\"com,ma\",\"back\\\\slash\",(context)}")
                .containsEntry("committed", true)
                .containsEntry("transaction_id", 701L)
                .containsEntry("position", 1L)
                .containsEntry("id", ChangeId.of(odd).toString());
    }

    @Test
    void aReplayedBatchIsStoredOnceWithItsNewChanges() throws Exception {
        writer.write(change(1, "todo", "{}"), null);
        writer.write(change(2, "todo", "{}"), null);
        writer.flush(false);
        // after a restore: the same changes again, and one the destination has not seen
        writer.write(change(1, "todo", "{}"), null);
        writer.write(change(2, "todo", "{}"), null);
        writer.write(change(3, "todo", "{}"), null);
        assertThat(stored()).isEqualTo(3);
        assertThat(db.query("SELECT position FROM changes ORDER BY position"))
                .extracting(r -> r.get("position"))
                .containsExactly(1L, 2L, 3L);
    }

    @Test
    void aBatchIsWrittenWhenFullWhenTheInputIsIdleOrAfterTheFlushInterval() throws Exception {
        writer.write(change(1, "todo", "{}"), null);
        writer.write(change(2, "todo", "{}"), null);
        writer.write(change(3, "todo", "{}"), null);
        assertThat(stored()).as("full").isEqualTo(3);

        writer.write(change(4, "todo", "{}"), null);
        clock.advance(CopyWriter.IDLE_MS - 1);
        assertThat(stored()).as("not idle yet").isEqualTo(3);
        clock.advance(1);
        assertThat(stored()).as("idle").isEqualTo(4);

        // a steady trickle, never idle, into a large batch: written once its oldest change has waited the flush
        // interval
        CopyWriter trickle = new CopyWriter(
                db.database(),
                1_000,
                200,
                new StoredChanges(UnregisteredMetricsGroup.createOperatorMetricGroup()),
                clock);
        for (int i = 5; i < 5 + 199; i++) {
            trickle.write(change(i, "todo", "{}"), null);
            clock.advance(1);
        }
        assertThat(stored(trickle)).as("199 ms of a trickle").isEqualTo(4);
        trickle.write(change(204, "todo", "{}"), null);
        clock.advance(1);
        assertThat(stored(trickle)).as("the flush interval").isEqualTo(4 + 200);
        trickle.write(change(205, "todo", "{}"), null);
        trickle.flush(false); // a checkpoint writes whatever is pending
        assertThat(stored(trickle)).isEqualTo(4 + 201);
        trickle.close();
    }
}
