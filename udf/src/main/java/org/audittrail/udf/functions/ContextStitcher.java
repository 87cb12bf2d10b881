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

import static org.audittrail.udf.model.Context.read;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.model.Context;
import org.audittrail.udf.model.Context.Stored;
import org.audittrail.udf.model.Operation;
import org.audittrail.udf.values.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives each row change the context that belongs to its own row; keyed by transaction.
 *
 * <p>Setup's row trigger writes, just before its row's change, a row message naming the row's operation and table and
 * carrying its statement's context (an older setup's trigger sent the context in a {@code _bemi} message just after);
 * once a transaction has sent a context, its rows without one get a row message too. A change takes the newest pending message that names it, and the messages after that one are
 * dropped: their rows never came (skipped by {@code ON CONFLICT DO NOTHING}, cancelled by another trigger, or of a
 * table not published). Messages before it stay, for the rows of outer statements whose triggers wrote this row. So
 * a context never reaches a row its statement did not write. Both halves of a primary-key update (a DELETE and a
 * CREATE at one position) take the one message. A context message without row message (Bemi's own trigger, where
 * a package's migration replaced setup's) goes to the next change of the transaction, as Bemi's trigger allows; it
 * is counted and logged once. A message at or before a position the transaction has already passed is one
 * replayed after a restore, and attaches to nothing. Only messages are held, never rows, and only from a
 * transaction's first message on; the state is cleared once the transaction has ended (see {@link WalSequence}).
 * A TRUNCATE change (one per table truncated) takes only the message setup's truncate trigger wrote for its table (see
 * {@link #truncate}). A context arrives as the text sent; it is read here ({@link org.audittrail.udf.model.Context#read}), in parallel, not in the source.
 */
public class ContextStitcher extends KeyedProcessFunction<Long, Change, Change> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ContextStitcher.class);

    private transient ValueState<PendingContext> transaction;
    private transient ValueState<Long> cleanupTimer;
    private transient Counter stitched;
    private transient Counter unattached;
    private transient Counter withoutRow;
    /** The last context text read, and how it is stored: a statement's rows, and a request's statements, repeat it. */
    private transient String lastSent;

    private transient Stored lastStored;

    @Override
    public void open(OpenContext openContext) {
        transaction = getRuntimeContext()
                .getState(new ValueStateDescriptor<>("transaction", TypeInformation.of(PendingContext.class)));
        cleanupTimer = getRuntimeContext().getState(new ValueStateDescriptor<>("cleanup-timer", Types.LONG));
        stitched = getRuntimeContext().getMetricGroup().counter("changesWithContext");
        unattached = getRuntimeContext().getMetricGroup().counter("contextMessagesWithoutChange");
        withoutRow = getRuntimeContext().getMetricGroup().counter("contextMessagesWithoutRow");
    }

    @Override
    public void processElement(Change event, Context ctx, Collector<Change> out) throws Exception {
        if (event.operation == Operation.HEARTBEAT) {
            return; // its time has moved the watermark on at the source: nothing more to do
        }
        if (event.operation == Operation.SCHEMA) {
            schemaChange(event); // a DDL carries its statement's context itself, and changes no transaction state
            out.collect(event);
            return;
        }
        PendingContext state = transaction.value();
        if (state == null) {
            if (!event.operation.isMessage()) {
                out.collect(event); // a transaction that sent no message yet: nothing to keep
                return;
            }
            state = new PendingContext();
        }
        state.upgrade();
        if (event.operation.isMessage()) {
            if (event.position <= state.lastChange) {
                return; // replayed after a restore: its change has been stitched already
            }
            message(state, event);
        } else {
            change(state, event);
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

    private void message(PendingContext state, Change event) {
        if (event.operation.isRowMessage() && event.context != null) {
            Stored context = stored(event.context); // the row's context, sent with its name
            state.push(
                    PendingContext.rowOf(event.operation, event.schema, event.table),
                    context.json(),
                    context.fallback());
            state.rowOpen = false;
        } else if (event.operation.isRowMessage()) {
            state.push(PendingContext.rowOf(event.operation, event.schema, event.table), null, false);
            state.rowOpen = true;
        } else if (state.rowOpen) {
            Stored context = stored(event.context);
            int top = state.size() - 1;
            state.contexts[top] = context.json();
            state.fallbacks[top] = context.fallback();
            state.rowOpen = false;
        } else {
            if (withoutRow.getCount() == 0) {
                LOG.warn("Context messages arrive without the row message of setup's trigger: _bemi_row_trigger_func()"
                        + " is not the audit trail's (did a Bemi package's migration replace it?). Until the job's next start"
                        + " runs setup, which reinstalls it, a context goes to the next row of its transaction, which may be"
                        + " another statement's (metric contextMessagesWithoutRow).");
            }
            withoutRow.inc();
            int top = state.size() - 1;
            if (top >= 0 && state.rows[top] == null) {
                unattached.inc(state.truncate(top)); // Bemi's trigger: only the last message can belong to the next row
            }
            Stored context = stored(event.context);
            state.push(null, context.json(), context.fallback());
        }
        if (state.size() > PendingContext.MAX_PENDING) {
            unattached.inc(state.dropOldest());
        }
    }

    private void schemaChange(Change event) {
        if (event.context == null) {
            event.context = Json.EMPTY_OBJECT;
            return;
        }
        Stored context = stored(event.context);
        event.context = context.json();
        if (context.fallback()) {
            event.markFallback(Change.CONTEXT_COLUMN);
        }
    }

    /** A context as stored, read once for a run of rows that sent the same text. */
    private Stored stored(String sent) {
        if (!sent.equals(lastSent)) {
            lastStored = read(sent);
            lastSent = sent;
        }
        return lastStored;
    }

    private void change(PendingContext state, Change event) {
        state.rowOpen = false;
        if (event.operation == Operation.TRUNCATE) {
            truncate(state, event);
            return;
        }
        if (state.attachedAt != event.position) {
            int taken = taken(state, event);
            if (taken >= 0) {
                state.context = state.contexts[taken];
                state.contextInFallbackForm = state.fallbacks[taken];
                state.attachedAt = event.position;
                // the messages after it belong to rows that never came; those before it, to outer rows still to come
                unattached.inc(state.truncate(taken + 1));
                state.truncate(taken);
            } else {
                state.context = null;
                state.attachedAt = -1;
            }
        }
        if (state.context != null && state.attachedAt == event.position) {
            event.context = state.context;
            if (state.contextInFallbackForm) {
                event.markFallback(Change.CONTEXT_COLUMN);
            }
            stitched.inc();
        }
        state.lastChange = event.position;
    }

    /**
     * A TRUNCATE of several tables is one WAL record, which Debezium hands on as one change per table, all at one
     * position, after the messages setup's truncate trigger wrote for each table (in whatever order): each takes the
     * newest message naming its own table, and only that one, leaving the others' to them. It never takes the context of
     * another change at its position, nor leaves its own to one.
     */
    private void truncate(PendingContext state, Change event) {
        int taken = taken(state, event);
        if (taken >= 0) {
            if (state.contexts[taken] != null) {
                event.context = state.contexts[taken];
                if (state.fallbacks[taken]) {
                    event.markFallback(Change.CONTEXT_COLUMN);
                }
                stitched.inc();
            }
            state.remove(taken);
        }
        state.lastChange = event.position;
    }

    /** The index of the message the change takes: the newest naming its row, or a context sent alone on top; -1 if none. */
    private static int taken(PendingContext state, Change event) {
        int top = state.size() - 1;
        if (top < 0) {
            return -1;
        }
        if (state.rows[top] == null) {
            return top;
        }
        // the identities of the row messages that would name this change, built once for the whole stack
        String created = Operation.ROW_CREATE.names(event.operation)
                ? PendingContext.rowOf(Operation.ROW_CREATE, event.schema, event.table)
                : null;
        String updated = Operation.ROW_UPDATE.names(event.operation)
                ? PendingContext.rowOf(Operation.ROW_UPDATE, event.schema, event.table)
                : null;
        String deleted = Operation.ROW_DELETE.names(event.operation)
                ? PendingContext.rowOf(Operation.ROW_DELETE, event.schema, event.table)
                : null;
        String truncated = Operation.ROW_TRUNCATE.names(event.operation)
                ? PendingContext.rowOf(Operation.ROW_TRUNCATE, event.schema, event.table)
                : null;
        for (int i = top; i >= 0; i--) {
            String row = state.rows[i];
            if (row != null
                    && (row.equals(created) || row.equals(updated) || row.equals(deleted) || row.equals(truncated))) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Change> out) throws Exception {
        PendingContext state = transaction.value();
        if (state != null) {
            state.upgrade();
            unattached.inc(state.contextsFrom(0));
        }
        transaction.clear();
        cleanupTimer.clear();
    }
}
