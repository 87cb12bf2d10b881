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
package org.audittrail.udf.functions;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.audittrail.udf.chain.ChainHead;
import org.audittrail.udf.chain.ChainLink;
import org.audittrail.udf.chain.ChainedChange;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.model.Operation;
import org.junit.jupiter.api.Test;

/**
 * The chain's order (the WAL's order of commits), whatever order changes arrive in, and its links across a restore and
 * a replay.
 */
class ChangeChainTest {

    static KeyedOneInputStreamOperatorTestHarness<String, Change, Change> harness(ChainHead stored) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new ChangeChain(stored)), change -> change.database, Types.STRING);
    }

    static Change change(long committedMs, long tx, long position) {
        Change c = new Change();
        c.database = "shop";
        c.schema = "public";
        c.table = "orders";
        c.primaryKey = String.valueOf(position);
        c.operation = Operation.CREATE;
        c.before = "{}";
        c.after = "{\"id\":" + position + "}";
        c.context = "{}";
        c.committedAt = committedMs * 1_000L;
        c.transactionId = tx;
        c.position = position;
        c.commitPosition = tx * 1_000_000L; // transactions commit in the order of their ids here, after their changes
        return c;
    }

    /** Sends each change stamped with its commit's millisecond, as the source does where commit times do not run behind. */
    static void send(KeyedOneInputStreamOperatorTestHarness<String, Change, Change> h, Change... changes)
            throws Exception {
        for (Change c : changes) {
            h.processElement(new StreamRecord<>(c, c.committedAt / 1_000L));
        }
    }

    static void send(KeyedOneInputStreamOperatorTestHarness<String, Change, Change> h, long stamp, Change change)
            throws Exception {
        h.processElement(new StreamRecord<>(change, stamp));
    }

    static List<Change> chained(KeyedOneInputStreamOperatorTestHarness<String, Change, Change> h) {
        List<Change> out = new ArrayList<>();
        for (Object o : h.getOutput()) {
            if (o instanceof StreamRecord<?> r) {
                out.add((Change) r.getValue());
            }
        }
        return out;
    }

    /** Whether each change links to the one before, from {@code previous} at {@code sequence}. */
    static void assertLinked(List<Change> changes, String previous, long sequence) {
        for (Change c : changes) {
            assertThat(c.chainSequence).isEqualTo(sequence);
            assertThat(c.chainHash).isEqualTo(ChainLink.next(previous, sequence, ChainedChange.of(c)));
            previous = c.chainHash;
            sequence++;
        }
    }

    @Test
    void changesWaitForTheWatermarkPastTheirStampAndAreChainedInTheWalsOrderOfCommits() throws Exception {
        try (var h = harness(null)) {
            h.open();
            // two parallel paths deliver a later commit first; transaction 12 commits last, its time running behind
            send(h, 1_000, change(1_000, 11, 300));
            send(h, 1_000, change(1_000, 10, 200));
            send(h, 1_000, change(999, 12, 400));
            send(h, 1_001, change(1_001, 13, 500));
            send(h, 1_000, change(1_000, 10, 100));
            h.processWatermark(1_000);
            assertThat(chained(h)).isEmpty(); // more of the stamp 1000 may come
            h.processWatermark(1_001);
            assertThat(chained(h)).extracting(c -> c.position).containsExactly(100L, 200L, 300L, 400L);
            h.processWatermark(1_002);
            List<Change> out = chained(h);
            assertThat(out).extracting(c -> c.position).containsExactly(100L, 200L, 300L, 400L, 500L);
            assertLinked(out, ChainLink.GENESIS, 1);
        }
    }

    @Test
    void changesRestoredWaitingGoFirstWhenTheSourceStampsLaterOnesLowerAfterTheRestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(null)) {
            h.open();
            send(h, 2_000, change(2_000, 10, 100));
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness(null)) {
            h.initializeState(snapshot);
            h.open();
            // the source's stamps start again from the commit times it reads: a later commit whose time ran behind
            send(h, 1_999, change(1_999, 11, 200));
            h.processWatermark(2_000);
            List<Change> out = chained(h);
            assertThat(out).extracting(c -> c.position).containsExactly(100L, 200L);
            assertLinked(out, ChainLink.GENESIS, 1);
            h.processWatermark(3_000);
            assertThat(chained(h)).hasSize(2);
        }
    }

    @Test
    void aHeadStoredWithoutCommitPositionIsPassedByCommitTime() throws Exception {
        ChainHead stored = ChainHead.after(change(1_000, 10, 100));
        stored.commitPosition = 0; // stored by a version without commit positions
        stored.sequence = 3;
        stored.hash = "b".repeat(64);
        try (var h = harness(stored)) {
            h.open();
            send(h, change(1_000, 10, 100), change(1_500, 9, 150));
            h.processWatermark(5_000);
            List<Change> out = chained(h);
            assertThat(out).extracting(c -> c.position).containsExactly(100L, 150L);
            assertThat(out.get(0).chainHash).isNull(); // a replay
            assertLinked(out.subList(1, 2), stored.hash, 4);
        }
    }

    @Test
    void aRestoreFromASnapshotGoesOnWithTheSameLinksAndChainsAReplayOnce() throws Exception {
        List<Change> straight;
        try (var h = harness(null)) {
            h.open();
            send(h, change(1_000, 10, 100), change(1_000, 10, 200), change(2_000, 11, 300), change(3_000, 12, 400));
            h.processWatermark(5_000);
            straight = chained(h);
        }
        OperatorSubtaskState snapshot;
        List<Change> first;
        try (var h = harness(null)) {
            h.open();
            send(h, change(1_000, 10, 100), change(1_000, 10, 200), change(2_000, 11, 300));
            h.processWatermark(1_500);
            first = new ArrayList<>(chained(h));
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness(null)) {
            h.initializeState(snapshot);
            h.open();
            // the source replays what it read after its offset: a chained one, a waiting one, then a new one
            send(h, change(1_000, 10, 200), change(2_000, 11, 300), change(3_000, 12, 400));
            h.processWatermark(5_000);
            List<Change> after = chained(h);
            assertThat(after).extracting(c -> c.position).containsExactly(200L, 300L, 400L);
            assertThat(after.get(0).chainHash).isNull(); // the replay of a stored change: the sink keeps the first
            first.addAll(after.subList(1, after.size()));
        }
        assertThat(first)
                .extracting(c -> c.chainHash)
                .containsExactlyElementsOf(
                        straight.stream().map(c -> c.chainHash).toList());
        assertLinked(first, ChainLink.GENESIS, 1);
    }

    @Test
    void aLargeTransactionArrivingShuffledIsChainedInPositionOrder() throws Exception {
        try (var h = harness(null)) {
            h.open();
            List<Change> sent = new ArrayList<>();
            for (long position = 1; position <= 100_000; position++) {
                sent.add(change(1_000, 10, position));
            }
            java.util.Collections.shuffle(sent, new java.util.Random(7));
            send(h, sent.toArray(new Change[0]));
            send(h, sent.subList(0, 1_000).toArray(new Change[0])); // replays while they wait
            h.processWatermark(5_000);
            List<Change> out = chained(h);
            assertThat(out).hasSize(100_000);
            for (int i = 0; i < out.size(); i++) {
                assertThat(out.get(i).position).isEqualTo(i + 1L);
            }
            assertLinked(out.subList(0, 3), ChainLink.GENESIS, 1);
            assertThat(out.get(99_999).chainSequence).isEqualTo(100_000L);
        }
    }

    @Test
    void aChainWithoutStateGoesOnFromTheStoredHead() throws Exception {
        ChainHead stored;
        try (var h = harness(null)) {
            h.open();
            send(h, change(1_000, 10, 100));
            h.processWatermark(5_000);
            stored = ChainHead.after(chained(h).get(0));
        }
        try (var h = harness(stored)) {
            h.open();
            send(h, change(1_000, 10, 100), change(2_000, 11, 200));
            h.processWatermark(5_000);
            List<Change> out = chained(h);
            assertThat(out.get(0).chainHash).isNull();
            assertLinked(out.subList(1, 2), stored.hash, 2);
        }
    }

    /** The baseline's moment, in milliseconds. */
    static final long MOMENT = 500;

    static Change marker(String split) {
        Change m = new ChangeDeserializer(java.util.Map.of("public.orders", MOMENT * 1_000L))
                .chunk("shop", "public", "orders", "{\"split\": \"" + split + "\"}");
        return m;
    }

    static Change end() {
        return new ChangeDeserializer(java.util.Map.of("public.orders", MOMENT * 1_000L)).baselineEnd("shop");
    }

    static Change baseline(int id) {
        Change c = change(MOMENT, 0, 0);
        c.operation = Operation.SNAPSHOT;
        c.primaryKey = String.valueOf(id);
        c.after = "{\"id\":" + id + "}";
        return c;
    }

    static List<Change> rows(List<Change> out) {
        return out.stream().filter(c -> c.operation != Operation.SNAPSHOT_CHUNK).toList();
    }

    @Test
    void aBaselineChunkIsChainedWholeOnceTheNextMarkerOrTheEndShowsItComplete() throws Exception {
        try (var h = harness(null)) {
            h.open();
            send(h, marker("orders:0"), baseline(2), baseline(1));
            assertThat(chained(h)).isEmpty(); // the chunk may have more rows
            send(h, marker("orders:1"), baseline(3));
            assertThat(chained(h))
                    .extracting(c -> c.operation + " " + c.primaryKey)
                    .containsExactly("SNAPSHOT_CHUNK null", "SNAPSHOT 1", "SNAPSHOT 2");
            send(h, end(), change(2_000, 10, 100));
            h.processWatermark(5_000);
            List<Change> out = rows(chained(h));
            assertThat(out).extracting(c -> c.primaryKey).containsExactly("1", "2", "3", "100");
            assertLinked(out, ChainLink.GENESIS, 1);
            assertThat(chained(h))
                    .filteredOn(c -> c.operation == Operation.SNAPSHOT_CHUNK)
                    .hasSize(2);
        }
    }

    @Test
    void aChunkReadAgainAfterARestoreReplacesWhatWasHeldAndTheChainGoesOnFromItsStart() throws Exception {
        ChainHead before;
        try (var h = harness(null)) {
            h.open();
            send(h, change(100, 9, 90));
            h.processWatermark(1_000);
            before = ChainHead.after(chained(h).get(0));
        }
        OperatorSubtaskState snapshot;
        try (var h = harness(before)) {
            h.open();
            send(h, marker("orders:0"), baseline(1), baseline(2));
            snapshot = h.snapshot(1, 1);
            // after the checkpoint: the chunk completes and is stored, then the job fails
            send(h, baseline(3), marker("orders:1"));
            assertThat(rows(chained(h))).hasSize(3);
        }
        // the destination holds the failed run's links, but the restored chain goes on from where its own began
        ChainHead newer = ChainHead.after(baseline(3));
        newer.sequence = 4;
        newer.hash = "f".repeat(64);
        try (var h = harness(newer)) {
            h.initializeState(snapshot);
            h.open();
            // read again: row 2 deleted and row 4 inserted in between
            send(h, marker("orders:0"), baseline(1), baseline(3), baseline(4), end());
            List<Change> out = rows(chained(h));
            assertThat(out).extracting(c -> c.primaryKey).containsExactly("1", "3", "4");
            assertLinked(out, before.hash, 2);
        }
    }

    @Test
    void aBaselineTheStoredChainHoldsIsNotPassedOnByAStartWithoutState() throws Exception {
        ChainHead stored = ChainHead.after(change(MOMENT + 1_000, 10, 100));
        stored.sequence = 7;
        stored.hash = "a".repeat(64);
        try (var h = harness(stored)) {
            h.open();
            send(h, marker("orders:0"), baseline(1), end(), change(MOMENT + 2_000, 11, 200));
            h.processWatermark(MOMENT + 5_000);
            List<Change> out = chained(h);
            assertThat(out).extracting(c -> c.primaryKey).containsExactly("200");
            assertLinked(out, stored.hash, 8);
        }
    }

    @Test
    void aTableSnapshottedAtARestoreWaitsForTheChangesCommittedBeforeItsMomentAndKeepsItsPlaceAcrossARestore()
            throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(null)) {
            h.open();
            send(h, change(MOMENT - 300, 9, 90));
            h.processWatermark(MOMENT);
            assertThat(chained(h)).hasSize(1);
            // the restore's new table: its baseline, then the WAL it had not read, committed before the moment
            send(h, marker("orders:0"), baseline(2), baseline(1), end());
            assertThat(chained(h)).hasSize(1);
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness(null)) {
            h.initializeState(snapshot);
            h.open();
            send(h, change(MOMENT - 200, 10, 100), change(MOMENT + 500, 11, 200));
            h.processWatermark(MOMENT + 2_000);
            assertThat(chained(h))
                    .extracting(c -> c.operation + " " + c.primaryKey)
                    .containsExactly("CREATE 100", "SNAPSHOT_CHUNK null", "SNAPSHOT 1", "SNAPSHOT 2", "CREATE 200");
            List<Change> out = rows(chained(h));
            assertThat(out.get(0).chainSequence).isEqualTo(2L);
            assertLinked(out.subList(1, out.size()), out.get(0).chainHash, 3);
        }
    }

    @Test
    void aBaselineChunkReadAfterLaterChangesIsChainedAfterThemAndLeavesTheHeadWhereTheyPutIt() throws Exception {
        try (var h = harness(null)) {
            h.open();
            send(h, change(MOMENT + 300, 10, 100));
            h.processWatermark(MOMENT + 1_000);
            // a further chunk of the new table, read once the watermark had passed its moment
            send(h, marker("orders:1"), baseline(7), end());
            h.processWatermark(MOMENT + 1_001);
            assertThat(rows(chained(h))).extracting(c -> c.primaryKey).containsExactly("100", "7");
            // a replay of the change before: still behind the head, not chained again
            send(h, change(MOMENT + 300, 10, 100));
            h.processWatermark(MOMENT + 2_000);
            List<Change> out = rows(chained(h));
            assertThat(out).hasSize(3);
            assertThat(out.get(2).chainHash).isNull();
            assertLinked(out.subList(0, 2), ChainLink.GENESIS, 1);
        }
    }
}
