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

import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.TimestampAssignerSupplier;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.audittrail.udf.model.Change;

/**
 * Stamps each event read from the WAL with its commit time in milliseconds, never lower than the stamp before, and
 * emits the highest stamp as the watermark.
 *
 * <p>The WAL delivers each transaction whole, one after another, so a watermark past a transaction's last
 * event means that transaction has ended: the {@link ContextStitcher} clears its state on that event-time timer.
 * Stamps never decrease in WAL order (commit times of concurrent transactions may, slightly), so a watermark above
 * an event's stamp always comes after that event. Being epoch milliseconds of the commit, as Flink expects, they
 * make Flink's own {@code currentEmitEventTimeLag} and {@code watermarkLag} of the WAL operator tell how far behind
 * the source's commits the job reads.
 */
public final class WalSequence implements WatermarkStrategy<Change> {

    private static final long serialVersionUID = 1L;

    /** The highest stamp so far, shared by a source subtask's assigner and its splits' generators. */
    private transient long[] last;

    private long[] last() {
        if (last == null) {
            last = new long[] {Long.MIN_VALUE};
        }
        return last;
    }

    @Override
    public TimestampAssigner<Change> createTimestampAssigner(TimestampAssignerSupplier.Context context) {
        long[] highest = last();
        return (change, recordTimestamp) -> {
            // Change.committedAt is in microseconds; an event without a commit time takes the wall clock
            long committed =
                    change.committedAt > 0 ? Math.floorDiv(change.committedAt, 1_000L) : System.currentTimeMillis();
            highest[0] = Math.max(highest[0], committed);
            return highest[0];
        };
    }

    /**
     * Every split's watermark is the highest stamp of any: a later event of any split is stamped no lower. So a split
     * that sends nothing (a restored baseline chunk Flink CDC has already finished, which would otherwise hold the
     * watermark at its start for good) holds no one back, and no split is ever idle, which would let a downstream
     * operator's watermark pass changes still on their way to it.
     */
    @Override
    public WatermarkGenerator<Change> createWatermarkGenerator(WatermarkGeneratorSupplier.Context context) {
        long[] highest = last();
        return new WatermarkGenerator<>() {
            @Override
            public void onEvent(Change change, long timestamp, WatermarkOutput output) {}

            @Override
            public void onPeriodicEmit(WatermarkOutput output) {
                if (highest[0] != Long.MIN_VALUE) {
                    output.emitWatermark(new Watermark(highest[0]));
                }
            }
        };
    }
}
