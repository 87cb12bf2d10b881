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
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.audittrail.udf.chain.ChainHead;
import org.audittrail.udf.chain.ChainLink;
import org.audittrail.udf.chain.ChainedChange;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.model.ChangeId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chains the changes of each source database (the key) in {@link ChainHead#ORDER}: a change waits until the watermark
 * passes its commit's millisecond by {@value #SETTLE_MS} ms, so every change of an earlier commit has come, whichever
 * parallel path it took; then the waiting changes of that millisecond get, in order, the next sequence numbers and
 * links. Each part of the order is the change's own, so a restore recomputes the same links. A change that is not
 * after the chain's head is a replay the sink already holds (or, rarely, a commit whose time ran more than {@value
 * #SETTLE_MS} ms behind a later commit's): passed on without a link and counted in {@value #UNCHAINED}.
 */
public class ChangeChain extends KeyedProcessFunction<String, Change, Change> {

    private static final long serialVersionUID = 1L;

    private static final Logger LOG = LoggerFactory.getLogger(ChangeChain.class);

    /** How long past its commit's millisecond a change waits for changes of commits whose time ran behind. */
    public static final long SETTLE_MS = 100;

    /** Name of the counter of changes passed on without a link. */
    public static final String UNCHAINED = "changesUnchained";

    private final ChainHead stored;
    private transient MapState<Long, List<Change>> waiting;
    /** The ids of the waiting changes: a replay of one is dropped in one look, however large its transaction. */
    private transient MapState<String, Boolean> waitingIds;

    private transient ValueState<ChainHead> head;
    private transient Counter unchained;

    /** {@code stored}: the destination's last link when the job started (null: none), where a chain without state goes on. */
    public ChangeChain(ChainHead stored) {
        this.stored = stored;
    }

    @Override
    public void open(OpenContext openContext) {
        waiting = getRuntimeContext()
                .getMapState(new MapStateDescriptor<>("waiting", Types.LONG, Types.LIST(Types.POJO(Change.class))));
        waitingIds =
                getRuntimeContext().getMapState(new MapStateDescriptor<>("waiting-ids", Types.STRING, Types.BOOLEAN));
        head = getRuntimeContext().getState(new ValueStateDescriptor<>("head", TypeInformation.of(ChainHead.class)));
        unchained = getRuntimeContext().getMetricGroup().counter(UNCHAINED);
    }

    @Override
    public void processElement(Change change, Context ctx, Collector<Change> out) throws Exception {
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
        long at = Math.floorDiv(change.committedAt, 1_000L) + 1 + SETTLE_MS;
        List<Change> changes = waiting.get(at);
        if (changes == null) {
            changes = new ArrayList<>();
        }
        changes.add(change);
        waiting.put(at, changes);
        ctx.timerService().registerEventTimeTimer(at);
    }

    @Override
    public void onTimer(long at, OnTimerContext ctx, Collector<Change> out) throws Exception {
        List<Change> changes = waiting.get(at);
        if (changes == null) {
            return;
        }
        waiting.remove(at);
        changes.sort(ChainHead.ORDER);
        ChainHead last = head();
        for (Change change : changes) {
            ChainedChange covered = ChainedChange.of(change);
            waitingIds.remove(covered.id().toString());
            change.chainSequence = last.sequence + 1;
            change.chainHash = ChainLink.next(last.hash, change.chainSequence, covered);
            out.collect(change);
            last = ChainHead.after(change);
        }
        head.update(last);
    }

    private ChainHead head() throws Exception {
        ChainHead last = head.value();
        return last != null ? last : stored != null ? stored : ChainHead.genesis();
    }
}
