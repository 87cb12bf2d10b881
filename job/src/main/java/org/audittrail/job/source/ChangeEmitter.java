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
package org.audittrail.job.source;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.debezium.jdbc.JdbcConfiguration;
import java.util.Map;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.cdc.connectors.base.source.meta.offset.OffsetFactory;
import org.apache.flink.cdc.connectors.base.source.meta.split.SnapshotSplit;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceRecords;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitState;
import org.apache.flink.cdc.connectors.base.source.meta.wartermark.WatermarkEvent;
import org.apache.flink.cdc.connectors.base.source.metrics.SourceReaderMetrics;
import org.apache.flink.cdc.connectors.base.source.reader.IncrementalSourceRecordEmitter;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.audittrail.job.source.decoding.CommitPositions;
import org.audittrail.udf.functions.ChangeDeserializer;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.values.Json;

/**
 * Flink CDC's record emitter, with a short way for row changes and messages, nearly every record: its own checks
 * run a regular expression on each record's key schema name, and it copies each record's offset into the split's
 * position, on the one thread that reads the WAL; here the position is set once a batch of records. Each change of the
 * WAL's stream gets its transaction's commit position, the hash chain's order.
 */
final class ChangeEmitter extends IncrementalSourceRecordEmitter<Change> {
    private final ChangeDeserializer changes;
    private final String database;
    /** The source offset of the last change of the batch being emitted, not yet set on its split's state. */
    private Map<String, ?> pending;

    private SourceSplitState pendingState;

    private final CommitStamp commits;

    ChangeEmitter(
            ChangeDeserializer deserializer,
            SourceReaderMetrics metrics,
            boolean includeSchemaChanges,
            OffsetFactory offsetFactory,
            String database,
            JdbcConfiguration server) {
        super(deserializer, metrics, includeSchemaChanges, offsetFactory);
        this.changes = deserializer;
        this.database = database;
        this.commits = new CommitStamp(server);
    }

    @Override
    public void emitRecord(SourceRecords records, SourceOutput<Change> output, SourceSplitState splitState)
            throws Exception {
        super.emitRecord(records, output, splitState);
        settlePosition();
    }

    @Override
    protected void processElement(SourceRecord element, SourceOutput<Change> output, SourceSplitState splitState)
            throws Exception {
        if (isChange(element)) {
            // what Flink CDC does with a data change record or a chunk's row, as it would decide after its checks
            if (splitState.isStreamSplitState()) {
                // the split's position is read only between batches (a checkpoint, a finished split): set once a batch
                pending = element.sourceOffset();
                pendingState = splitState;
            }
            reportMetrics(element);
            emitElement(element, splitState.isStreamSplitState() ? commits.of(element, output) : output);
        } else {
            settlePosition(); // a heartbeat or schema change sets the position itself, after the changes before it
            if (splitState.isSnapshotSplitState() && WatermarkEvent.isLowWatermarkEvent(element)) {
                // a chunk's rows follow: the sink first clears what an earlier reading of it stored
                output.collect(chunk(splitState.asSnapshotSplitState().toSourceSplit()));
            }
            super.processElement(element, output, splitState);
            if (splitState.isSnapshotSplitState() && WatermarkEvent.isHighWatermarkEvent(element)) {
                // the chunk's rows are all out: the hash chain takes them whole now (the sink ignores the marker)
                Change end = changes.baselineEnd(database);
                if (end != null) {
                    output.collect(end);
                }
            }
        }
    }

    /** The stream split's position: that of the last change emitted. */
    private void settlePosition() {
        if (pending != null) {
            pendingState.asStreamSplitState().setStartingOffset(getOffsetPosition(pending));
            pending = null;
            pendingState = null;
        }
    }

    /** The marker of a chunk: its table, split, key columns and key range (start inclusive, end exclusive; null: open). */
    private Change chunk(SnapshotSplit split) {
        ObjectNode range = Json.MAPPER.createObjectNode();
        range.put("split", split.splitId());
        range.set("columns", Json.MAPPER.valueToTree(split.getSplitKeyType().getFieldNames()));
        range.set("start", Json.MAPPER.valueToTree(split.getSplitStart()));
        range.set("end", Json.MAPPER.valueToTree(split.getSplitEnd()));
        return changes.chunk(
                database, split.getTableId().schema(), split.getTableId().table(), Json.write(range));
    }

    /** A row change's or a message's envelope with its operation: never a watermark, schema change or heartbeat. */
    static boolean isChange(SourceRecord record) {
        Schema schema = record.valueSchema();
        if (schema == null || schema.name() == null || !(record.value() instanceof Struct value)) {
            return false;
        }
        String key = record.keySchema() == null ? null : record.keySchema().name();
        boolean envelope = schema.name().endsWith(".Envelope") || ContextMessageDialect.isMessage(record);
        return envelope
                && schema.field("op") != null
                && value.getString("op") != null
                && (key == null || !key.endsWith(".SchemaChangeKey"));
    }

    /** Sets each change's commit position, looked up once per transaction (its changes come in one run). */
    private static final class CommitStamp implements SourceOutput<Change> {
        private final JdbcConfiguration server;
        private SourceOutput<Change> output;
        private long transactionId = -1;
        private long commit;

        CommitStamp(JdbcConfiguration server) {
            this.server = server;
        }

        SourceOutput<Change> of(SourceRecord record, SourceOutput<Change> output) {
            this.output = output;
            if (!(record.sourceOffset().get("txId") instanceof Number id)) {
                commit = 0; // a message outside any transaction: not chained
                transactionId = -1;
            } else if (id.longValue() != transactionId) {
                Long position = CommitPositions.of(server, id.longValue());
                commit = position != null ? position : 0;
                transactionId = position != null ? id.longValue() : -1;
            }
            return this;
        }

        @Override
        public void collect(Change change) {
            change.commitPosition = commit;
            output.collect(change);
        }

        @Override
        public void collect(Change change, long timestamp) {
            change.commitPosition = commit;
            output.collect(change, timestamp);
        }

        @Override
        public void emitWatermark(Watermark watermark) {
            output.emitWatermark(watermark);
        }

        @Override
        public void markIdle() {
            output.markIdle();
        }

        @Override
        public void markActive() {
            output.markActive();
        }
    }
}
