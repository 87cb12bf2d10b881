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

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.cdc.connectors.base.config.JdbcSourceConfig;
import org.apache.flink.cdc.connectors.base.config.SourceConfig;
import org.apache.flink.cdc.connectors.base.options.StartupOptions;
import org.apache.flink.cdc.connectors.base.source.assigner.state.PendingSplitsState;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceRecords;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitState;
import org.apache.flink.cdc.connectors.base.source.metrics.SourceReaderMetrics;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder.PostgresIncrementalSource;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfigFactory;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffsetFactory;
import org.apache.flink.connector.base.source.reader.RecordEmitter;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.util.InstantiationUtil;
import org.audittrail.job.db.Database;
import org.audittrail.job.db.SourcePassword;
import org.audittrail.job.setup.Replication;
import org.audittrail.job.source.watch.PublicationWatch;
import org.audittrail.job.source.watch.SlotLag;
import org.audittrail.udf.functions.ChangeDeserializer;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.selection.TableSelection;

/**
 * The Flink CDC incremental source over slot and publication {@code bemi}, with pgoutput, streaming only; a refused
 * start ({@link CaptureRefusedException}, {@link SlotInUseException}) surfaces as the task's failure rather than three
 * causes deep. Its reader reports the WAL the slot holds in the gauge {@value SlotLag#METRIC}.
 */
public final class WalSource
        implements Source<Change, SourceSplitBase, PendingSplitsState>, ResultTypeQueryable<Change> {

    private static final long serialVersionUID = 1L;

    private final PostgresIncrementalSource<Change> source;
    private final ContextMessageDialect dialect;
    private final Database database;
    private final TableSelection tracked;
    private final long publicationCheckIntervalMs;
    private final long slotLagIntervalMs;
    private final Replication replication;

    private WalSource(
            PostgresIncrementalSource<Change> source,
            ContextMessageDialect dialect,
            Database database,
            TableSelection tracked,
            long publicationCheckIntervalMs,
            long slotLagIntervalMs,
            Replication replication) {
        this.source = source;
        this.replication = replication;
        this.dialect = dialect;
        this.database = database;
        this.tracked = tracked;
        this.publicationCheckIntervalMs = publicationCheckIntervalMs;
        this.slotLagIntervalMs = slotLagIntervalMs;
    }

    /**
     * A source of the changes of the tables of publication {@code bemi} in the schemas of {@code tables}
     * ({@code schema.table}) and in public, and of the context messages; see {@link ContextMessageDialect}.
     * The publication is the table filter, so a table that setup's event trigger adds to it is read at once; every
     * {@code publicationCheckIntervalMs} a {@link PublicationWatch} checks that the tables {@code tracked} selects are in it.
     * The slot's lag in bytes is queried every {@code slotLagIntervalMs}.
     */
    public static WalSource create(
            Database source,
            Database destination,
            Set<String> tableSchemas,
            TableSelection tracked,
            boolean acceptLostChanges,
            long heartbeatIntervalMs,
            long publicationCheckIntervalMs,
            long slotLagIntervalMs,
            Replication replication,
            Baseline baseline) {
        Set<String> schemas = new TreeSet<>(Set.of("public"));
        schemas.addAll(tableSchemas);
        String passwordReference = SourcePassword.newReference();
        String keyPasswordReference = source.tls().keyPassword() == null ? null : SourcePassword.newReference();
        PostgresSourceBuilder<Change> builder = PostgresSourceBuilder.PostgresIncrementalSource.<Change>builder()
                .hostname(source.host())
                .port(source.port())
                .database(source.name())
                .username(source.user())
                .password(passwordReference)
                .schemaList(schemas.stream().map(WalSource::exactly).toArray(String[]::new))
                .tableList(schemas.stream()
                        .map(schema -> exactly(schema) + "\\..*")
                        .toArray(String[]::new))
                .slotName(replication.slot())
                // three attempts of 10 s rather than of 30: a source out of reach is said (and retried) within half a
                // minute
                .connectTimeout(Duration.ofSeconds(10))
                .decodingPluginName("pgoutput")
                // the first start reads from the slot (or takes the baseline first); later starts from the checkpoint
                // or
                // savepoint
                .startupOptions(baseline == null ? StartupOptions.committed() : StartupOptions.initial())
                .debeziumProperties(DebeziumProperties.of(
                        source, replication.publication(), heartbeatIntervalMs, keyPasswordReference))
                .deserializer(deserializer(baseline));
        PostgresSourceConfigFactory readerConfig = null;
        if (baseline != null) {
            // a partitioned table is read through its root, as its changes are published
            builder.includePartitionedTables(true).splitSize(baseline.chunkRows());
            if (baseline.newTables()) {
                readerConfig = copy(builder.getConfigFactory());
                builder.scanNewlyAddedTableEnabled(true);
            }
        }
        PostgresSourceConfigFactory config = builder.getConfigFactory();
        // build() hard-codes the stock dialect, which drops context messages
        ContextMessageDialect dialect = new ContextMessageDialect(
                config.create(0),
                passwordReference,
                source.password(),
                keyPasswordReference,
                source.tls().keyPassword(),
                destination,
                acceptLostChanges);
        if (baseline != null) {
            dialect.snapshot(baseline.tables(), readerConfig);
        }
        return new WalSource(
                new CdcSource(config, dialect, deserializer(baseline)),
                dialect,
                source,
                tracked,
                publicationCheckIntervalMs,
                slotLagIntervalMs,
                replication);
    }

    /**
     * The baseline snapshot: the tables it reads ([schema, table]), the moment each one's rows are stamped with
     * ({@code schema.table} to microseconds), the rows per chunk, and whether a restore snapshots the tables not
     * snapshotted yet.
     */
    public record Baseline(List<List<String>> tables, Map<String, Long> moments, int chunkRows, boolean newTables)
            implements java.io.Serializable {}

    private static ChangeDeserializer deserializer(Baseline baseline) {
        return baseline == null ? new ChangeDeserializer() : new ChangeDeserializer(baseline.moments());
    }

    /** A copy of a configuration factory, as it stands, by serialization (it has no copy of its own). */
    private static PostgresSourceConfigFactory copy(PostgresSourceConfigFactory factory) {
        try {
            return InstantiationUtil.clone(factory);
        } catch (java.io.IOException | ClassNotFoundException e) {
            throw new IllegalStateException("Flink CDC's source configuration cannot be copied", e);
        }
    }

    /**
     * A regular expression matching exactly {@code name}, for Debezium's include lists: every ASCII sign as a hex escape,
     * so no comma splits the list, no blank is trimmed, no dot or star means more than itself.
     */
    static String exactly(String name) {
        StringBuilder regex = new StringBuilder();
        name.codePoints().forEach(c -> {
            if (c < 128 && !Character.isLetterOrDigit(c) && c != '_') {
                regex.append(String.format("\\x{%x}", c));
            } else {
                regex.appendCodePoint(c);
            }
        });
        return regex.toString();
    }

    @Override
    public Boundedness getBoundedness() {
        return source.getBoundedness();
    }

    @Override
    public SourceReader<Change, SourceSplitBase> createReader(SourceReaderContext context) throws Exception {
        // one watch per job: the WAL is read by one subtask
        PublicationWatch watch = context.getIndexOfSubtask() == 0
                ? new PublicationWatch(database, tracked, replication.publication(), publicationCheckIntervalMs)
                : null;
        if (watch != null) {
            watch.start(context.metricGroup());
        }
        SlotLag lag = new SlotLag(database, replication.slot(), slotLagIntervalMs);
        context.metricGroup().gauge(SlotLag.METRIC, lag);
        context.metricGroup().gauge(SlotLag.STATUS_METRIC, lag.walStatus());
        context.metricGroup().gauge(SlotLag.SAFE_WAL_SIZE_METRIC, lag.safeWalSize());
        return new WalReader(source.createReader(context), context, watch, lag);
    }

    @Override
    public SplitEnumerator<SourceSplitBase, PendingSplitsState> createEnumerator(
            SplitEnumeratorContext<SourceSplitBase> context) {
        return source.createEnumerator(new EnumeratorContext(context));
    }

    @Override
    public SplitEnumerator<SourceSplitBase, PendingSplitsState> restoreEnumerator(
            SplitEnumeratorContext<SourceSplitBase> context, PendingSplitsState checkpoint) {
        dialect.refuseLostSlot();
        return source.restoreEnumerator(new EnumeratorContext(context), checkpoint);
    }

    @Override
    public SimpleVersionedSerializer<SourceSplitBase> getSplitSerializer() {
        return source.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<PendingSplitsState> getEnumeratorCheckpointSerializer() {
        return source.getEnumeratorCheckpointSerializer();
    }

    @Override
    public TypeInformation<Change> getProducedType() {
        return source.getProducedType();
    }

    /** Flink CDC's Postgres source, its records emitted by {@link ChangeEmitter}. */
    private static final class CdcSource extends PostgresIncrementalSource<Change> {
        private static final long serialVersionUID = 1L;

        private final ChangeDeserializer changes;

        CdcSource(PostgresSourceConfigFactory config, ContextMessageDialect dialect, ChangeDeserializer deserializer) {
            super(config, deserializer, new PostgresOffsetFactory(), dialect);
            this.changes = deserializer;
        }

        @Override
        protected RecordEmitter<SourceRecords, Change, SourceSplitState> createRecordEmitter(
                SourceConfig config, SourceReaderMetrics metrics) {
            return new ChangeEmitter(
                    changes,
                    metrics,
                    config.isIncludeSchemaChanges(),
                    offsetFactory,
                    ((JdbcSourceConfig) config).getDatabaseList().get(0),
                    ((JdbcSourceConfig) config).getDbzConnectorConfig().getJdbcConfig());
        }
    }
}
