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
 * <p>Bemi's trigger emits the message just before its row, and the two share a WAL position. So a change takes
 * the pending message of its transaction only when their positions match: a row written without context gets
 * {@code {}} even after one with context, a message repeated after a restore attaches to nothing, and both
 * halves of a primary-key update (DELETE and CREATE at one position) get it. Only one message per transaction
 * is held, never its rows; the state is cleared once the transaction has ended (see {@link WalSequence}).
 */
public class ContextStitcher extends KeyedProcessFunction<Long, Change, Change> {

    private static final long serialVersionUID = 1L;

    private transient ValueState<PendingContext> pending;
    private transient ValueState<Long> cleanupTimer;
    private transient Counter stitched;
    private transient Counter unmatched;

    @Override
    public void open(OpenContext openContext) {
        pending = getRuntimeContext().getState(new ValueStateDescriptor<>("pending-context", TypeInformation.of(PendingContext.class)));
        cleanupTimer = getRuntimeContext().getState(new ValueStateDescriptor<>("cleanup-timer", Types.LONG));
        stitched = getRuntimeContext().getMetricGroup().counter("changesWithContext");
        unmatched = getRuntimeContext().getMetricGroup().counter("contextMessagesWithoutChange");
    }

    @Override
    public void processElement(Change event, Context ctx, Collector<Change> out) throws Exception {
        PendingContext message = pending.value();
        if (event.operation == Operation.MESSAGE) {
            if (message != null && message.position == event.position) {
                message.context = event.context; // the same message again, as after a restore
                pending.update(message);
            } else {
                if (message != null && !message.attached) {
                    unmatched.inc();
                }
                pending.update(new PendingContext(event.position, event.context));
            }
        } else if (message != null && message.position == event.position) {
            event.context = message.context;
            stitched.inc();
            out.collect(event);
            if (!message.attached) {
                message.attached = true;
                pending.update(message);
            }
        } else {
            if (message != null) {
                if (!message.attached) {
                    unmatched.inc(); // a trigger fired for a row not captured, e.g. of an untracked table
                }
                clear(ctx);
            }
            out.collect(event);
            return;
        }
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
        PendingContext message = pending.value();
        if (message != null && !message.attached) {
            unmatched.inc();
        }
        pending.clear();
        cleanupTimer.clear();
    }

    private void clear(Context ctx) throws Exception {
        Long timer = cleanupTimer.value();
        if (timer != null) {
            ctx.timerService().deleteEventTimeTimer(timer);
        }
        pending.clear();
        cleanupTimer.clear();
    }
}
