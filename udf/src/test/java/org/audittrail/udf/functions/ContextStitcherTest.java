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
import static org.audittrail.udf.testing.TestChanges.*;

import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.model.Operation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every stitching case of issue 3, on the operator itself, restore from its snapshot included. */
class ContextStitcherTest {

    KeyedOneInputStreamOperatorTestHarness<Long, Change, Change> harness;
    long sequence;

    @BeforeEach
    void open() throws Exception {
        harness = newHarness();
        harness.open();
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    static KeyedOneInputStreamOperatorTestHarness<Long, Change, Change> newHarness() throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new ContextStitcher()), change -> change.transactionId, Types.LONG);
    }

    @Test
    void multiRowStatementGivesEachRowItsOwnMessage() throws Exception {
        send(message(1, 100, "{\"a\":1}"), row(1, 100), message(1, 200, "{\"a\":1}"), row(1, 200));
        assertThat(contexts()).containsExactly("{\"a\":1}", "{\"a\":1}");
    }

    @Test
    void statementsOfOneTransactionKeepTheirOwnContexts() throws Exception {
        send(message(1, 100, "{\"s\":1}"), row(1, 100), message(1, 200, "{\"s\":2}"), row(1, 200), row(1, 300));
        assertThat(contexts()).containsExactly("{\"s\":1}", "{\"s\":2}", "{}");
    }

    @Test
    void statementWithoutContextAfterOneWithContextGetsNone() throws Exception {
        send(message(1, 100, "{\"s\":1}"), row(1, 100), row(1, 200), row(1, 300));
        assertThat(contexts()).containsExactly("{\"s\":1}", "{}", "{}");
    }

    @Test
    void cascadedRowsGetTheirOwnMessages() throws Exception {
        // DELETE of a parent with context: its row, then the child rows its foreign key deletes
        send(
                message(1, 100, "{\"c\":1}"),
                row(1, 100),
                message(1, 150, "{\"c\":1}"),
                row(1, 150),
                message(1, 160, "{\"c\":1}"),
                row(1, 160));
        assertThat(contexts()).containsExactly("{\"c\":1}", "{\"c\":1}", "{\"c\":1}");
    }

    @Test
    void interleavedTransactionsDoNotSeeEachOthersContext() throws Exception {
        send(message(1, 100, "{\"t\":1}"), message(2, 101, "{\"t\":2}"), row(2, 101), row(1, 100), row(2, 102));
        assertThat(output())
                .extracting(c -> c.transactionId + " " + c.context)
                .containsExactly("2 {\"t\":2}", "1 {\"t\":1}", "2 {}");
    }

    @Test
    void walRecordsOfOtherTransactionsBetweenMessageAndRowChangeNothing() throws Exception {
        // concurrent writers: the message ends at 100, other transactions write, its row starts at 180
        send(message(1, 100, "{\"a\":1}"), row(1, 180), row(1, 260));
        assertThat(contexts()).containsExactly("{\"a\":1}", "{}");
    }

    @Test
    void bothHalvesOfAPrimaryKeyUpdateGetTheContext() throws Exception {
        Change delete = row(1, 100);
        delete.operation = Operation.DELETE;
        Change create = row(1, 100);
        send(message(1, 100, "{\"k\":1}"), delete, create, row(1, 200));
        assertThat(contexts()).containsExactly("{\"k\":1}", "{\"k\":1}", "{}");
    }

    @Test
    void messageWithNoChangeAfterItAttachesToNothingAndIsClearedWhenTheTransactionEnds() throws Exception {
        send(row(1, 50), message(1, 100, "{\"lost\":1}"));
        assertThat(harness.numKeyedStateEntries()).isPositive();
        send(row(2, 200)); // the next transaction: the first one has ended
        harness.processWatermark(new Watermark(sequence));
        assertThat(contexts()).containsExactly("{}", "{}");
        assertThat(harness.numKeyedStateEntries())
                .as("transaction 1 cleared; 2 sent no context, so holds nothing")
                .isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void aSchemaChangeTakesItsOwnContextAndLeavesTheTransactionsRowsTheirs() throws Exception {
        Change ddl = row(1, 50);
        ddl.operation = Operation.SCHEMA;
        ddl.context = "{\"migration\":\"m1\"}";
        Change bare = row(1, 170);
        bare.operation = Operation.SCHEMA;
        bare.context = null;
        send(ddl, message(1, 100, "{\"a\":1}"), row(1, 100), bare);
        assertThat(output())
                .extracting(c -> c.operation + " " + c.context)
                .containsExactly("SCHEMA {\"migration\":\"m1\"}", "CREATE {\"a\":1}", "SCHEMA {}");
    }

    @Test
    void transactionWithoutContextHoldsNoState() throws Exception {
        send(row(1, 100), row(1, 200));
        assertThat(contexts()).containsExactly("{}", "{}");
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void stateIsClearedWhenTheTransactionEnds() throws Exception {
        send(message(1, 100, "{\"a\":1}"), row(1, 100));
        harness.processWatermark(new Watermark(sequence - 1));
        assertThat(harness.numKeyedStateEntries())
                .as("still in the transaction")
                .isPositive();
        harness.processWatermark(new Watermark(sequence + 1));
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void messageRepeatedAfterRestoreAttachesOnlyToItsOwnRow() throws Exception {
        // checkpoint after the row: the repeated message must not reach the next row, written without context
        send(message(1, 100, "{\"a\":1}"), row(1, 100));
        OperatorSubtaskState snapshot = harness.snapshot(1, 1);
        restore(snapshot);
        send(message(1, 100, "{\"a\":1}"), row(1, 200));
        assertThat(contexts()).containsExactly("{}");
    }

    @Test
    void messageRepeatedAfterRestoreBetweenMessageAndRowStillReachesTheRow() throws Exception {
        send(message(1, 100, "{\"a\":1}"));
        OperatorSubtaskState snapshot = harness.snapshot(1, 1);
        restore(snapshot);
        send(message(1, 100, "{\"a\":1}"), row(1, 100));
        assertThat(contexts()).containsExactly("{\"a\":1}");
    }

    @Test
    void rowMessagesCarryingTheirContextAttachAsMessagePairsDid() throws Exception {
        // a skipped row, a nested one written by an outer row's trigger, and a row without context after one with
        send(
                rowMessage(1, 100, Operation.ROW_CREATE, "todo", "{\"skipped\": 1}"),
                rowMessage(1, 200, Operation.ROW_CREATE, "todo", "{\"outer\": 1}"),
                rowMessage(1, 220, Operation.ROW_CREATE, "log", "{\"inner\": 1}"),
                rowOf(1, 220, "log"),
                row(1, 230),
                rowMessage(1, 300, Operation.ROW_CREATE, "todo"),
                row(1, 300),
                rowMessage(1, 400, Operation.ROW_CREATE, "todo", "not json"),
                row(1, 400));
        assertThat(contexts()).containsExactly("{\"inner\":1}", "{\"outer\":1}", "{}", "{\"_unparsed\":\"not json\"}");
        assertThat(output())
                .extracting(c -> c.fallbackColumns == null ? "none" : String.join(",", c.fallbackColumns))
                .containsExactly("none", "none", "none", Change.CONTEXT_COLUMN);
    }

    @Test
    void restoredPendingMessageReachesItsRowWithoutRepeat() throws Exception {
        send(message(1, 100, "{\"a\":1}"));
        restore(harness.snapshot(1, 1));
        send(row(1, 100));
        assertThat(contexts()).containsExactly("{\"a\":1}");
    }

    @Test
    void aContextInFallbackFormMarksOnlyTheRowItReaches() throws Exception {
        Change unparsed = message(1, 100, "{\"a\":\"\\u0000\"}"); // sent as text jsonb cannot hold
        send(unparsed, row(1, 100), message(1, 200, "{\"a\":1}"), row(1, 200), row(1, 300));
        assertThat(output())
                .extracting(c -> c.fallbackColumns == null ? "none" : String.join(",", c.fallbackColumns))
                .containsExactly(Change.CONTEXT_COLUMN, "none", "none");
    }

    @Test
    void aContextInFallbackFormIsStillMarkedAfterARestore() throws Exception {
        Change unparsed = message(1, 100, "x"); // no JSON object
        send(unparsed);
        restore(harness.snapshot(1, 1));
        send(row(1, 100));
        assertThat(output()).singleElement().satisfies(c -> assertThat(c.fallbackColumns)
                .containsExactly(Change.CONTEXT_COLUMN));
    }

    @Test
    void millionRowTransactionHoldsOneMessageAtATime() throws Exception {
        int rows = 1_000_000;
        int maxEntries = 0;
        long withContext = 0;
        for (int i = 0; i < rows; i++) {
            if (i % 2 == 0) {
                send(message(7, i, "{\"i\":" + i + "}"));
            }
            send(row(7, i));
            maxEntries = Math.max(maxEntries, harness.numKeyedStateEntries());
            for (StreamRecord<? extends Change> r : harness.extractOutputStreamRecords()) {
                Change c = r.getValue();
                assertThat(c.context).isEqualTo(c.position % 2 == 0 ? "{\"i\":" + c.position + "}" : "{}");
                withContext += c.position % 2 == 0 ? 1 : 0;
            }
            harness.getOutput().clear();
        }
        assertThat(withContext).isEqualTo(rows / 2);
        // one state entry and one timer: the rows themselves are never held
        assertThat(maxEntries).isLessThanOrEqualTo(2);
    }

    @Test
    void aSkippedRowsContextNeverReachesTheNextStatementsRow() throws Exception {
        // INSERT ... ON CONFLICT DO NOTHING /*Bemi*/ skipped its row; the next statement, without context, is named too
        send(
                rowMessage(1, 100, Operation.ROW_CREATE, "todo"),
                message(1, 100, "{\"skipped\":1}"),
                rowMessage(1, 200, Operation.ROW_CREATE, "todo"),
                row(1, 200));
        assertThat(contexts()).containsExactly("{}");
    }

    @Test
    void aContextNamingAnotherTableNeverReachesARowWithoutMessage() throws Exception {
        // a row cancelled by a trigger, or of a table not published; the next row's table has no row trigger
        send(rowMessage(1, 100, Operation.ROW_UPDATE, "guarded"), message(1, 100, "{\"lost\":1}"), row(1, 200));
        assertThat(contexts()).containsExactly("{}");
    }

    @Test
    void rowsWrittenByTriggersOfAnotherRowTakeTheirOwnMessages() throws Exception {
        // a BEFORE trigger of orders inserts into log: log's messages and change come between orders' and its change
        Change log = row(1, 150);
        log.table = "log";
        send(
                rowMessage(1, 100, Operation.ROW_CREATE, "todo"),
                message(1, 100, "{\"outer\":1}"),
                rowMessage(1, 120, Operation.ROW_CREATE, "log"),
                message(1, 120, "{\"inner\":1}"),
                log,
                row(1, 200));
        assertThat(output())
                .extracting(c -> c.table + " " + c.context)
                .containsExactly("log {\"inner\":1}", "todo {\"outer\":1}");
    }

    @Test
    void namedKeyUpdateGivesBothHalvesTheContext() throws Exception {
        Change delete = row(1, 100);
        delete.operation = Operation.DELETE;
        Change create = row(1, 100);
        send(
                rowMessage(1, 90, Operation.ROW_UPDATE, "todo"),
                message(1, 90, "{\"k\":1}"),
                delete,
                create,
                rowMessage(1, 150, Operation.ROW_UPDATE, "todo"),
                row(1, 200));
        assertThat(contexts()).containsExactly("{\"k\":1}", "{\"k\":1}", "{}");
    }

    @Test
    void aRowMessageOfAnotherOperationIsNotTaken() throws Exception {
        Change update = row(1, 200);
        update.operation = Operation.UPDATE;
        // the skipped INSERT's row message names a CREATE: an UPDATE of the same table without message is not its row
        send(rowMessage(1, 100, Operation.ROW_CREATE, "todo"), message(1, 100, "{\"skipped\":1}"), update);
        assertThat(contexts()).containsExactly("{}");
    }

    @Test
    void aTruncateOfSeveralTablesGivesEachTableItsOwnMessage() throws Exception {
        // TRUNCATE todo, log: the trigger of each table writes its message, then one WAL record gives both changes at
        // one position, in whatever order; a row inserted after it by a statement without context gets none
        Change log = truncateOf(1, 300, "log");
        Change todo = truncateOf(1, 300, "todo");
        send(
                rowMessage(1, 100, Operation.ROW_CREATE, "todo", "{\"s\":1}"),
                row(1, 100),
                rowMessage(1, 300, Operation.ROW_TRUNCATE, "todo", "{\"s\":2}"),
                rowMessage(1, 300, Operation.ROW_TRUNCATE, "log", "{\"s\":2}"),
                log,
                todo,
                rowMessage(1, 400, Operation.ROW_CREATE, "todo"),
                row(1, 400));
        assertThat(output())
                .extracting(c -> c.operation + " " + c.table + " " + c.context)
                .containsExactly(
                        "CREATE todo {\"s\":1}", "TRUNCATE log {\"s\":2}", "TRUNCATE todo {\"s\":2}", "CREATE todo {}");
        assertThat(pending(1L).size()).isZero();
    }

    @Test
    void aTruncateWithoutItsMessageTakesNoOtherContext() throws Exception {
        // a row message of an INSERT skipped before it, and a truncate of another table whose statement had no context
        send(
                rowMessage(1, 100, Operation.ROW_CREATE, "todo", "{\"skipped\":1}"),
                truncateOf(1, 200, "todo"),
                rowMessage(1, 300, Operation.ROW_TRUNCATE, "log", "{\"t\":1}"),
                truncateOf(1, 300, "todo"));
        assertThat(contexts()).containsExactly("{}", "{}");
    }

    @Test
    void aTruncateMessageIsNeverTakenByARowChange() throws Exception {
        send(rowMessage(1, 100, Operation.ROW_TRUNCATE, "todo", "{\"t\":1}"), row(1, 200));
        assertThat(contexts()).containsExactly("{}");
    }

    private static Change truncateOf(long transaction, long position, String table) {
        Change c = rowOf(transaction, position, table);
        c.operation = Operation.TRUNCATE;
        return c;
    }

    @Test
    void manyRowsThatNeverCameHoldABoundedState() throws Exception {
        for (int i = 0; i < 1000; i++) {
            send(rowMessage(1, 100 + i, Operation.ROW_CREATE, "todo"), message(1, 100 + i, "{\"skipped\":1}"));
        }
        send(rowMessage(1, 5000, Operation.ROW_CREATE, "todo"), message(1, 5000, "{\"kept\":1}"), row(1, 5000));
        assertThat(contexts()).containsExactly("{\"kept\":1}");
        PendingContext state = pending(1L);
        assertThat(state.size()).isLessThanOrEqualTo(PendingContext.MAX_PENDING);
    }

    private PendingContext pending(long transaction) throws Exception {
        var operator = (org.apache.flink.streaming.api.operators.AbstractStreamOperator<?>) harness.getOperator();
        operator.setCurrentKey(transaction);
        return operator.getKeyedStateStore()
                .getState(new org.apache.flink.api.common.state.ValueStateDescriptor<>(
                        "transaction", org.apache.flink.api.common.typeinfo.TypeInformation.of(PendingContext.class)))
                .value();
    }

    private void restore(OperatorSubtaskState snapshot) throws Exception {
        harness.close();
        harness = newHarness();
        harness.initializeState(snapshot);
        harness.open();
    }

    @Test
    void aHeartbeatPassesNoFurtherAndLeavesNoState() throws Exception {
        Change heartbeat = new Change();
        heartbeat.operation = Operation.HEARTBEAT;
        heartbeat.committedAt = 1_000_000L;
        send(heartbeat);
        assertThat(output()).isEmpty();
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    private void send(Change... events) throws Exception {
        for (Change event : events) {
            harness.processElement(event, ++sequence);
        }
    }

    private List<Change> output() {
        return harness.extractOutputStreamRecords().stream()
                .map(StreamRecord::getValue)
                .collect(Collectors.toList());
    }

    private List<String> contexts() {
        return output().stream().map(c -> c.context).collect(Collectors.toList());
    }
}
