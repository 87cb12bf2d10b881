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

import com.fasterxml.jackson.databind.JsonNode;
import io.debezium.connector.postgresql.PostgresObjectUtils;
import io.debezium.connector.postgresql.connection.MessageDecoderContext;
import io.debezium.connector.postgresql.connection.PostgresConnection;
import io.debezium.connector.postgresql.connection.PostgresReplicationConnection;
import io.debezium.pipeline.EventDispatcher;
import io.debezium.relational.TableId;
import io.debezium.schema.DataCollectionFilters.DataCollectionFilter;
import java.lang.reflect.Field;
import java.math.BigDecimal;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.cdc.connectors.base.config.JdbcSourceConfig;
import org.apache.flink.cdc.connectors.base.source.meta.offset.Offset;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.cdc.connectors.base.source.meta.split.StreamSplit;
import org.apache.flink.cdc.connectors.base.source.reader.external.FetchTask;
import org.apache.flink.cdc.connectors.base.utils.SourceRecordUtils;
import org.apache.flink.cdc.connectors.postgres.source.fetch.PostgresScanFetchTask;
import org.apache.flink.cdc.connectors.postgres.source.fetch.PostgresSourceFetchTaskContext;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffset;
import org.apache.flink.table.types.logical.RowType;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.audittrail.job.source.decoding.CommitPositions;
import org.audittrail.job.source.decoding.DroppedTableKeys;
import org.audittrail.job.source.decoding.PgOutputDecoder;
import org.audittrail.job.source.decoding.TextScan;
import org.audittrail.udf.values.Json;

/**
 * What a reader of the source works with: Flink CDC's Postgres fetch context, with the job's decoder and table filter,
 * context messages passed on, and for the baseline snapshot a chunk connection reading values as the WAL carries them
 * ({@link TextScan}) and a hand-over to the WAL by commit: a transaction belongs to a chunk's reading where it committed
 * at or before the chunk's high watermark, and to the WAL after it where it committed later, whatever the position of
 * its changes (Flink CDC compares those, which loses a transaction in flight at the high watermark).
 */
final class ReadContext extends PostgresSourceFetchTaskContext {

    /** A snapshot chunk's connection, reading values as the WAL carries them; null when streaming. */
    private PostgresConnection chunks;

    /** The high watermark of the chunk being read again from the WAL (its backfill); null outside one. */
    private volatile PostgresOffset backfillEnd;

    /** The transaction whose commit was last looked up, and that commit. */
    private volatile Commit lastCommit;

    private record Commit(long transactionId, Long position) {}

    /** The key of a table dropped before its changes were read. */
    private final DroppedTableKeys droppedTableKeys;

    ReadContext(JdbcSourceConfig config, ContextMessageDialect dialect) {
        super(config, dialect);
        droppedTableKeys = dialect.droppedTableKeys();
    }

    @Override
    public void configure(SourceSplitBase split) {
        super.configure(split);
        installDecoder(this, droppedTableKeys);
        keepTableFilterAnswers(this);
        SourceStructs.install(getDbzConnectorConfig());
        if (split.isSnapshotSplit() && chunks == null) {
            chunks = new TextScan.Connections(
                    getDbzConnectorConfig().getJdbcConfig(),
                    PostgresObjectUtils.newPostgresValueConverterBuilder(getDbzConnectorConfig()),
                    "audit-trail snapshot");
        }
    }

    @Override
    public PostgresConnection getConnection() {
        return chunks != null ? chunks : super.getConnection();
    }

    @Override
    public boolean isDataChangeRecord(SourceRecord record) {
        return !ContextMessageDialect.isMessage(record) && super.isDataChangeRecord(record);
    }

    /**
     * Whether a change's key is in a chunk's range. The job's key values are the JSON text {@code to_jsonb} writes
     * (JsonTextConverter); Flink CDC would compare that text with the chunk's bounds as text ("10270" before "2000"):
     * a number is compared as a number, a string as the string it holds.
     */
    @Override
    public boolean isRecordBetween(SourceRecord record, Object[] splitStart, Object[] splitEnd) {
        RowType keyType = getSplitType(getDatabaseSchema().tableFor(getTableId(record)));
        Object[] key = SourceRecordUtils.getSplitKey(keyType, record, getSchemaNameAdjuster());
        Object[] bound = splitStart != null ? splitStart : splitEnd;
        for (int i = 0; bound != null && i < key.length; i++) {
            key[i] = comparable(key[i], bound[i]);
        }
        return SourceRecordUtils.splitKeyRangeContains(key, splitStart, splitEnd);
    }

    /** A key value's JSON text as the kind of value {@code bound} is: a number, or the text of a JSON string. */
    static Object comparable(Object value, Object bound) {
        if (!(value instanceof String text) || bound == null) {
            return value;
        }
        try {
            if (bound instanceof Number) {
                return new BigDecimal(text);
            }
            JsonNode json = Json.parse(text);
            return json.isTextual() ? json.textValue() : value;
        } catch (Exception e) {
            return value; // not JSON text: compared as Flink CDC would
        }
    }

    /**
     * A change's position for the hand-over from a chunk to the WAL: its transaction's commit. Flink CDC only compares
     * it (its stream filter, on every change), so it holds the position alone, not a copy of the whole offset.
     */
    @Override
    public Offset getStreamOffset(SourceRecord record) {
        Long commit = commit(record);
        return PostgresOffset.of(Collections.singletonMap(
                "lsn", commit != null ? commit : record.sourceOffset().get("lsn")));
    }

    /** A change read in a chunk's backfill counts only where its transaction committed by the chunk's high watermark. */
    @Override
    public void rewriteOutputBuffer(Map<Struct, SourceRecord> outputBuffer, SourceRecord changeRecord) {
        PostgresOffset end = backfillEnd;
        Long commit = commit(changeRecord);
        if (end != null
                && commit != null
                && Long.compareUnsigned(commit, end.getLsn().asLong()) > 0) {
            return; // the WAL's after the chunk: the stream emits it
        }
        super.rewriteOutputBuffer(outputBuffer, changeRecord);
    }

    private Long commit(SourceRecord record) {
        if (!(record.sourceOffset().get("txId") instanceof Number id)) {
            return null;
        }
        Commit last = lastCommit; // changes come in runs of one transaction: one lookup per run
        if (last == null || last.transactionId != id.longValue()) {
            Long position = CommitPositions.of(getDbzConnectorConfig().getJdbcConfig(), id.longValue());
            if (position == null) {
                return null;
            }
            last = new Commit(id.longValue(), position);
            lastCommit = last;
        }
        return last.position;
    }

    @Override
    public void close() throws Exception {
        if (chunks != null) {
            chunks.close();
            chunks = null;
        }
        super.close();
    }

    /** A chunk's reading, which tells its context the high watermark its backfill ends at. */
    static final class ChunkTask extends PostgresScanFetchTask {
        ChunkTask(SourceSplitBase split) {
            super(split.asSnapshotSplit());
        }

        @Override
        protected void executeBackfillTask(FetchTask.Context context, StreamSplit backfill) throws Exception {
            ReadContext read = (ReadContext) context;
            read.backfillEnd = (PostgresOffset) backfill.getEndingOffset();
            try {
                super.executeBackfillTask(context, backfill);
            } finally {
                read.backfillEnd = null;
            }
        }
    }

    /** Puts {@link PgOutputDecoder} in place of Debezium's, which the replication connection builds from an enum. */
    private static void installDecoder(PostgresSourceFetchTaskContext context, DroppedTableKeys droppedTableKeys) {
        try {
            Field decoder = PostgresReplicationConnection.class.getDeclaredField("messageDecoder");
            decoder.setAccessible(true);
            Object connection = context.getReplicationConnection();
            if (!(decoder.get(connection) instanceof PgOutputDecoder)) {
                decoder.set(
                        connection,
                        new PgOutputDecoder(
                                new MessageDecoderContext(context.getDbzConnectorConfig(), context.getDatabaseSchema()),
                                context.getConnection(),
                                droppedTableKeys));
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(
                    "Debezium's replication connection changed: its message decoder cannot be replaced", e);
        }
    }

    /** Debezium matches each change's table against the include patterns, regular expressions, every time: the answers are kept. */
    @SuppressWarnings("unchecked")
    private static void keepTableFilterAnswers(PostgresSourceFetchTaskContext context) {
        try {
            Field filter = EventDispatcher.class.getDeclaredField("filter");
            filter.setAccessible(true);
            Object dispatcher = context.getEventDispatcher();
            if (!(filter.get(dispatcher) instanceof KeptAnswers)) {
                filter.set(dispatcher, new KeptAnswers((DataCollectionFilter<TableId>) filter.get(dispatcher)));
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(
                    "Debezium's event dispatcher changed: its table filter cannot be wrapped", e);
        }
    }

    /** A table filter that asks Debezium's once per table; the patterns never change while the job runs. */
    private static final class KeptAnswers implements DataCollectionFilter<TableId> {
        private final DataCollectionFilter<TableId> filter;
        private final Map<TableId, Boolean> answers = new ConcurrentHashMap<>();

        KeptAnswers(DataCollectionFilter<TableId> filter) {
            this.filter = filter;
        }

        @Override
        public boolean isIncluded(TableId id) {
            return answers.computeIfAbsent(id, filter::isIncluded);
        }
    }
}
