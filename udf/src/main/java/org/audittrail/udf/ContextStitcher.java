package org.audittrail.udf;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Gives each row change the context of the {@code _bemi} message that belongs to its own row; keyed by transaction.
 *
 * <p>Bemi's row trigger emits the message just before its row's change, so within a transaction a message
 * belongs to the change that comes next: a row written without context after one with context gets {@code {}},
 * and both halves of a primary-key update (a DELETE and a CREATE at one position) get it. A message at or before
 * a position the transaction has already passed is one replayed after a restore, and attaches to nothing.
 * Only the last message of a transaction is held, never its rows, and only from its first message on; the state
 * is cleared once the transaction has ended (see {@link WalSequence}).
 */
public class ContextStitcher extends KeyedProcessFunction<Long, Change, Change> {

    private static final long serialVersionUID = 1L;

    private transient ValueState<PendingContext> transaction;
    private transient ValueState<Long> cleanupTimer;
    private transient Counter stitched;
    private transient Counter unattached;

    @Override
    public void open(OpenContext openContext) {
        transaction = getRuntimeContext().getState(new ValueStateDescriptor<>("transaction", TypeInformation.of(PendingContext.class)));
        cleanupTimer = getRuntimeContext().getState(new ValueStateDescriptor<>("cleanup-timer", Types.LONG));
        stitched = getRuntimeContext().getMetricGroup().counter("changesWithContext");
        unattached = getRuntimeContext().getMetricGroup().counter("contextMessagesWithoutChange");
    }

    @Override
    public void processElement(Change event, Context ctx, Collector<Change> out) throws Exception {
        PendingContext state = transaction.value();
        if (state == null) {
            if (event.operation != Operation.MESSAGE) {
                out.collect(event); // a transaction that sent no context yet: nothing to keep
                return;
            }
            state = new PendingContext();
        }
        if (event.operation == Operation.MESSAGE) {
            if (event.position <= state.lastChange) {
                return; // replayed after a restore: its change has been stitched already
            }
            countIfUnattached(state);
            state.context = event.context;
            state.contextInFallbackForm = event.fallbackColumns != null;
            state.attachedAt = -1;
        } else {
            if (state.context != null && (state.attachedAt == -1 || state.attachedAt == event.position)) {
                event.context = state.context;
                if (state.contextInFallbackForm) {
                    event.markFallback(Change.CONTEXT_COLUMN);
                }
                state.attachedAt = event.position;
                stitched.inc();
            } else {
                countIfUnattached(state);
                state.context = null;
            }
            state.lastChange = event.position;
            out.collect(event);
        }
        transaction.update(state);
        // the transaction is over once the watermark passes this event: a later event of it moves the timer
        Long timer = cleanupTimer.value();
        if (timer != null) {
            ctx.timerService().deleteEventTimeTimer(timer);
        }
        long next = ctx.timestamp() + 1;
        ctx.timerService().registerEventTimeTimer(next);
        cleanupTimer.update(next);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Change> out) throws Exception {
        PendingContext state = transaction.value();
        if (state != null) {
            countIfUnattached(state);
        }
        transaction.clear();
        cleanupTimer.clear();
    }

    /** A message no change took: its row was not captured (cancelled by a trigger, or of an untracked table). */
    private void countIfUnattached(PendingContext state) {
        if (state.context != null && state.attachedAt == -1) {
            unattached.inc();
        }
    }
}
