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
package org.audittrail.job.chain;

import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.audittrail.udf.model.Change;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes chained changes on and, at most once per interval after a change, signs its database's chain head and writes
 * it outside the destination ({@link SignedHead}), so that rewriting {@code changes} with recomputed links is caught. A
 * head that cannot be written is retried at the next interval, with a WARN line; the changes flow on meanwhile. Only a
 * head a completed checkpoint holds is signed: the sink has stored it, and no restore chains its sequence number anew.
 */
public class HeadSigner extends KeyedProcessFunction<String, Change, Change>
        implements CheckpointedFunction, CheckpointListener {

    private static final long serialVersionUID = 1L;

    private static final Logger LOG = LoggerFactory.getLogger(HeadSigner.class);

    /** Name of the counter of heads written. */
    public static final String SIGNED = "chainHeadsSigned";

    private final SignedHead.Keys.Signing key;
    private final String dir;
    private final HeadBucket bucket;
    private final long intervalMs;

    private transient ValueState<Long> sequence;
    private transient ValueState<String> hash;
    private transient ValueState<Long> timer;
    private transient ValueState<Long> signed;
    private transient Counter counter;

    private record Head(long sequence, String hash) {}

    /** Per database: the newest head passed on, those as each checkpoint in flight took them, and a completed one's. */
    private transient Map<String, Head> passed;

    private transient NavigableMap<Long, Map<String, Head>> taken;
    private transient Map<String, Head> confirmed;

    public HeadSigner(SignedHead.Keys.Signing key, Path dir, HeadBucket bucket, long intervalMs) {
        this.key = key;
        this.dir = dir.toString();
        this.bucket = bucket;
        this.intervalMs = intervalMs;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) {
        passed = new HashMap<>();
        taken = new TreeMap<>();
        confirmed = new HashMap<>();
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) {
        taken.put(context.getCheckpointId(), new HashMap<>(passed));
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        NavigableMap<Long, Map<String, Head>> done = taken.headMap(checkpointId, true);
        done.values().forEach(confirmed::putAll);
        done.clear();
    }

    @Override
    public void open(OpenContext openContext) {
        sequence = getRuntimeContext().getState(new ValueStateDescriptor<>("sequence", Types.LONG));
        hash = getRuntimeContext().getState(new ValueStateDescriptor<>("hash", Types.STRING));
        timer = getRuntimeContext().getState(new ValueStateDescriptor<>("timer", Types.LONG));
        signed = getRuntimeContext().getState(new ValueStateDescriptor<>("signed", Types.LONG));
        counter = getRuntimeContext().getMetricGroup().counter(SIGNED);
    }

    @Override
    public void processElement(Change change, Context ctx, Collector<Change> out) throws Exception {
        out.collect(change);
        if (change.chainSequence == 0) {
            return;
        }
        String database = ctx.getCurrentKey();
        if (!passed.containsKey(database) && sequence.value() != null) {
            confirmed.put(database, new Head(sequence.value(), hash.value())); // restored: a completed checkpoint's
        }
        sequence.update(change.chainSequence);
        hash.update(change.chainHash);
        passed.put(database, new Head(change.chainSequence, change.chainHash));
        if (timer.value() == null) {
            long at = ctx.timerService().currentProcessingTime() + intervalMs;
            ctx.timerService().registerProcessingTimeTimer(at);
            timer.update(at);
        }
    }

    @Override
    public void onTimer(long at, OnTimerContext ctx, Collector<Change> out) throws Exception {
        timer.clear();
        Head last = confirmed.get(ctx.getCurrentKey());
        if (last == null && !passed.containsKey(ctx.getCurrentKey()) && sequence.value() != null) {
            last = new Head(sequence.value(), hash.value()); // restored, nothing passed on since
        }
        Long done = signed.value();
        if (last == null || (done != null && done >= last.sequence())) {
            if (sequence.value() != null && (done == null || done < sequence.value())) {
                retry(ctx); // newer heads wait for their checkpoint
            }
            return;
        }
        SignedHead head = new SignedHead(
                ctx.getCurrentKey(), last.sequence(), last.hash(), Instant.now().toString(), key.keyId());
        try {
            String text = head.signed(key);
            head.write(Path.of(dir), text);
            if (bucket != null) {
                bucket.put(head.database(), head.fileName(), text);
            }
            signed.update(last.sequence());
            counter.inc();
            if (sequence.value() > last.sequence()) {
                retry(ctx);
            }
        } catch (java.io.IOException e) {
            // the message names the file or the S3 path, the status and S3's error code: heads hold hashes only
            LOG.warn(
                    "Cannot write the signed chain head into {}{} ({}: {}): retried in {} ms",
                    dir,
                    bucket == null ? "" : " and " + bucket,
                    e.getClass().getSimpleName(),
                    e.getMessage(),
                    intervalMs);
            retry(ctx);
        }
    }

    private void retry(OnTimerContext ctx) throws java.io.IOException {
        long again = ctx.timerService().currentProcessingTime() + intervalMs;
        ctx.timerService().registerProcessingTimeTimer(again);
        timer.update(again);
    }
}
