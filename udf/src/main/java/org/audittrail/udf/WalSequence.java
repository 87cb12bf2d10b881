package org.audittrail.udf;

import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.TimestampAssignerSupplier;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;

/**
 * Stamps each event read from the WAL with a strictly increasing sequence number, and emits it as the watermark.
 *
 * <p>The WAL delivers each transaction whole, one after another, so a watermark past a transaction's last
 * event means that transaction has ended: the {@link ContextStitcher} clears its state on that event-time timer.
 * The sequence starts at the wall clock in microseconds, so it keeps increasing across restarts.
 */
public final class WalSequence implements WatermarkStrategy<Change> {

    private static final long serialVersionUID = 1L;

    @Override
    public TimestampAssigner<Change> createTimestampAssigner(TimestampAssignerSupplier.Context context) {
        return new TimestampAssigner<>() {
            private long last = Long.MIN_VALUE;

            @Override
            public long extractTimestamp(Change change, long recordTimestamp) {
                last = Math.max(last + 1, System.currentTimeMillis() * 1_000L);
                return last;
            }
        };
    }

    @Override
    public WatermarkGenerator<Change> createWatermarkGenerator(WatermarkGeneratorSupplier.Context context) {
        return new WatermarkGenerator<>() {
            private long highest = Long.MIN_VALUE;

            @Override
            public void onEvent(Change change, long timestamp, WatermarkOutput output) {
                highest = timestamp;
            }

            @Override
            public void onPeriodicEmit(WatermarkOutput output) {
                if (highest != Long.MIN_VALUE) {
                    output.emitWatermark(new Watermark(highest));
                }
            }
        };
    }
}
