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

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.audittrail.udf.chain.ChainHead;
import org.audittrail.udf.chain.ChainLink;
import org.audittrail.udf.chain.ChainedChange;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.model.ChangeId;
import org.audittrail.udf.model.Operation;
import org.audittrail.udf.values.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chains the changes of each source database (the key) in {@link ChainHead#ORDER}, the WAL's order of commits: a change
 * waits until the watermark passes its stamp (the source's, which never decreases in WAL order), so every change
 * before it in the WAL has come, whichever parallel path it took; then the waiting changes up to it in that order get
 * the next sequence numbers and links. Each part of the order is the change's own, so a restore recomputes the same
 * links. A change that is not after the chain's head is a replay the sink already holds: passed on without a link and
 * counted in {@value #UNCHAINED}.
 *
 * <p>A baseline snapshot's rows come before the WAL's stream, each chunk after its marker, all on one path: a chunk is
 * chained whole, in the chain's order, once the marker of its end (or the next chunk's) shows it complete; a
 * chunk read again after a restore replaces the part of it held. A baseline the chain already holds, read again by a
 * start without state, is not passed on. A table's baseline taken after the chain began (at a restore, between stretches
 * of the WAL committed before its moment) waits, like a change, until the watermark passes its moment.
 */
public class ChangeChain extends KeyedProcessFunction<String, Change, Change> implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;

    private static final Logger LOG = LoggerFactory.getLogger(ChangeChain.class);

    /**
     * How long past its moment a baseline taken after the chain began waits for the changes committed before it (commit
     * times of concurrent commits may run behind one another).
     */
    public static final long SETTLE_MS = 100;

    /** Name of the counter of changes passed on without a link. */
    public static final String UNCHAINED = "changesUnchained";

    private final ChainHead stored;
    /** Per release time (a watermark at or past it releases them): the waiting changes, or a baseline chunk. */
    private transient MapState<Long, List<Change>> waiting;
    /** The ids of the waiting changes: a replay of one is dropped in one look, however large its transaction. */
    private transient MapState<String, Boolean> waitingIds;

    private transient ValueState<ChainHead> head;
    private transient Counter unchained;
    /** The marker of the baseline chunk being read, and its rows so far. */
    private transient ValueState<Change> chunk;

    private transient ListState<Change> chunkRows;
    /**
     * The head this job's chain began from (the destination's when it started without state), kept in its checkpoints:
     * a restore goes on from it, not from what the destination holds by then, where nothing has been chained since.
     */
    private transient ChainHead start;

    private transient ListState<ChainHead> startState;

    private transient boolean restored;
    /** Per key, after a restore: the latest release time of what its state held then, until which releases look back. */
    private transient Map<String, Long> restoredUntil;

    /** {@code stored}: the destination's last link when the job started (null: none), where a chain without state goes on. */
    public ChangeChain(ChainHead stored) {
        this.stored = stored;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        startState = context.getOperatorStateStore()
                .getUnionListState(new ListStateDescriptor<>("chain-start", TypeInformation.of(ChainHead.class)));
        start = stored != null ? stored : ChainHead.genesis();
        restored = context.isRestored();
        if (restored) {
            for (ChainHead kept : startState.get()) {
                start = kept; // every subtask keeps the same one
            }
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        startState.update(List.of(start));
    }

    @Override
    public void open(OpenContext openContext) {
        waiting = getRuntimeContext()
                .getMapState(new MapStateDescriptor<>("waiting", Types.LONG, Types.LIST(Types.POJO(Change.class))));
        waitingIds =
                getRuntimeContext().getMapState(new MapStateDescriptor<>("waiting-ids", Types.STRING, Types.BOOLEAN));
        head = getRuntimeContext().getState(new ValueStateDescriptor<>("head", TypeInformation.of(ChainHead.class)));
        unchained = getRuntimeContext().getMetricGroup().counter(UNCHAINED);
        chunk = getRuntimeContext().getState(new ValueStateDescriptor<>("baseline-chunk", Types.POJO(Change.class)));
        chunkRows = getRuntimeContext()
                .getListState(new ListStateDescriptor<>("baseline-chunk-rows", Types.POJO(Change.class)));
        restoredUntil = new HashMap<>();
    }

    /** The latest release time {@code key}'s state held when this task restored it; none without a restore. */
    private long restoredUntil(String key) throws Exception {
        if (!restored) {
            return Long.MIN_VALUE;
        }
        Long until = restoredUntil.get(key);
        if (until == null) {
            until = Long.MIN_VALUE;
            for (Long at : waiting.keys()) {
                until = Math.max(until, at);
            }
            restoredUntil.put(key, until);
        }
        return until;
    }

    @Override
    public void processElement(Change change, Context ctx, Collector<Change> out) throws Exception {
        restoredUntil(ctx.getCurrentKey()); // what waited at the restore, before anything new is held
        if (change.operation == Operation.SNAPSHOT_CHUNK) {
            chunk(change, ctx, out);
            return;
        }
        if (change.operation == Operation.SNAPSHOT) {
            chunkRows.add(change);
            return;
        }
        if (!head().precedes(change)) {
            if (unchained.getCount() == 0) {
                LOG.warn(
                        "Hash chain: a change ({} at position {}) is not after the chain's head: stored without a link"
                                + " if new (a replay is not stored twice); further ones are only counted in {}",
                        change.operation,
                        Long.toUnsignedString(change.position),
                        UNCHAINED);
            }
            unchained.inc();
            out.collect(change);
            return;
        }
        String id = ChangeId.of(change).toString();
        if (waitingIds.contains(id)) {
            return; // replayed after a restore while the first one waits: chained once
        }
        waitingIds.put(id, true);
        Long stamp = ctx.timestamp();
        hold((stamp != null ? stamp : Math.floorDiv(change.committedAt, 1_000L)) + 1, List.of(change), ctx);
    }

    /** Holds {@code changes} until the watermark reaches {@code at}. */
    private void hold(long at, List<Change> changes, Context ctx) throws Exception {
        List<Change> held = waiting.get(at);
        if (held == null) {
            held = new ArrayList<>();
        }
        held.addAll(changes);
        waiting.put(at, held);
        ctx.timerService().registerEventTimeTimer(at);
    }

    /**
     * Releases what waits for {@code at}: its changes (after a restore, with every waiting change before them in the
     * chain's order: changes read before the checkpoint may wait for a later stamp than the source gives those read
     * after it), then its baseline chunks.
     */
    @Override
    public void onTimer(long at, OnTimerContext ctx, Collector<Change> out) throws Exception {
        List<Change> due = waiting.get(at);
        if (due == null) {
            return;
        }
        waiting.remove(at);
        List<Change> changes = new ArrayList<>();
        List<Change> rows = new ArrayList<>();
        for (Change change : due) {
            if (change.operation == Operation.SNAPSHOT_CHUNK) {
                out.collect(change); // a waiting baseline chunk's marker: the sink clears an earlier reading first
            } else {
                (change.operation == Operation.SNAPSHOT ? rows : changes).add(change);
            }
        }
        if (!changes.isEmpty() && at < restoredUntil(ctx.getCurrentKey())) {
            releaseBefore(java.util.Collections.max(changes, ChainHead.ORDER), changes);
        }
        changes.sort(ChainHead.ORDER);
        rows.sort(ChainHead.BY_TIME);
        changes.addAll(rows);
        head.update(chain(changes, head(), out));
    }

    /** Moves every waiting change of the WAL before {@code last} in the chain's order to {@code released}. */
    private void releaseBefore(Change last, List<Change> released) throws Exception {
        List<Long> emptied = new ArrayList<>();
        for (var entry : waiting.entries()) {
            if (entry.getValue().stream().noneMatch(change -> before(change, last))) {
                continue;
            }
            List<Change> kept = new ArrayList<>();
            for (Change change : entry.getValue()) {
                (before(change, last) ? released : kept).add(change);
            }
            if (kept.isEmpty()) {
                emptied.add(entry.getKey());
            } else {
                entry.setValue(kept);
            }
        }
        for (Long key : emptied) {
            waiting.remove(key);
        }
    }

    private static boolean before(Change change, Change last) {
        return change.operation != Operation.SNAPSHOT
                && change.operation != Operation.SNAPSHOT_CHUNK
                && ChainHead.ORDER.compare(change, last) < 0;
    }

    /** A chunk's marker: the chunk before it is complete; the same chunk again is read anew after a restore. */
    private void chunk(Change marker, Context ctx, Collector<Change> out) throws Exception {
        Change reading = chunk.value();
        if (reading != null && split(reading).equals(split(marker))) {
            chunkRows.clear();
        } else if (reading != null) {
            chainChunk(reading, ctx, out);
        }
        if (marker.after.equals(ChangeDeserializer.END_OF_CHUNKS)) {
            chunk.clear();
            return;
        }
        chunk.update(marker);
    }

    /**
     * Chains the chunk of {@code marker} whole, after the marker itself, unless the chain already holds it; a chunk of
     * a table snapshotted after the chain began waits until the watermark passes its moment.
     */
    private void chainChunk(Change marker, Context ctx, Collector<Change> out) throws Exception {
        List<Change> rows = new ArrayList<>();
        chunkRows.get().forEach(rows::add);
        chunk.clear();
        chunkRows.clear();
        ChainHead kept = head.value();
        if (kept != null
                && (!Operation.SNAPSHOT.name().equals(kept.operation) || marker.committedAt > kept.committedAt)) {
            // a table's baseline taken at a restore, read before the WAL up to its moment: it waits for it, in order
            rows.add(0, marker);
            hold(Math.floorDiv(marker.committedAt, 1_000L) + 1 + SETTLE_MS, rows, ctx);
            return;
        }
        ChainHead last = kept != null ? kept : start;
        // a baseline at the head's own moment is of the snapshot this chain's state is taking, unless the head came
        // from the destination: a start without state reading a baseline stored before
        boolean held = last.operation != null
                && (last.committedAt > marker.committedAt || (last.committedAt == marker.committedAt && kept == null));
        if (held) {
            if (unchained.getCount() == 0) {
                LOG.warn(
                        "Hash chain: baseline rows read again by a start without state are not stored again: the"
                                + " destination's chain holds the baseline of {} (counted in {})",
                        marker.table,
                        UNCHAINED);
            }
            unchained.inc(rows.size());
            return;
        }
        out.collect(marker); // the sink clears what an earlier reading of the chunk stored
        rows.sort(ChainHead.BY_TIME);
        head.update(chain(rows, last, out));
    }

    /** Links {@code changes}, in order, after {@code last}; returns the new head. */
    private ChainHead chain(List<Change> changes, ChainHead last, Collector<Change> out) throws Exception {
        for (Change change : changes) {
            ChainedChange covered = ChainedChange.of(change);
            waitingIds.remove(covered.id().toString());
            change.chainSequence = last.sequence + 1;
            change.chainHash = ChainLink.next(last.hash, change.chainSequence, covered);
            out.collect(change);
            last = last.then(change);
        }
        return last;
    }

    private static String split(Change marker) throws Exception {
        return Json.parse(marker.after).path("split").asText();
    }

    private ChainHead head() throws Exception {
        ChainHead last = head.value();
        return last != null ? last : start;
    }
}
