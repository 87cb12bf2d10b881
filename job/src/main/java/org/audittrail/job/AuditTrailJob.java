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
package org.audittrail.job;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.CheckpointConfig;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.audittrail.job.chain.HeadSigner;
import org.audittrail.job.chain.RetentionAnchor;
import org.audittrail.job.chain.SignedHead;
import org.audittrail.job.chain.StoredChain;
import org.audittrail.job.config.JobConfig;
import org.audittrail.job.db.Database;
import org.audittrail.job.setup.RuntimePrivileges;
import org.audittrail.job.setup.Setup;
import org.audittrail.job.setup.SnapshotMoments;
import org.audittrail.job.sink.ChangesSink;
import org.audittrail.job.sink.PartitionMaintenance;
import org.audittrail.job.sink.SchemaChangesSink;
import org.audittrail.job.source.WalSource;
import org.audittrail.udf.functions.ChangeChain;
import org.audittrail.udf.functions.ContextStitcher;
import org.audittrail.udf.functions.FallbackValues;
import org.audittrail.udf.functions.IgnoredColumnsFilter;
import org.audittrail.udf.functions.PrivacyPolicyMap;
import org.audittrail.udf.functions.SchemaChangeSplit;
import org.audittrail.udf.functions.TrackedTablesFilter;
import org.audittrail.udf.functions.WalSequence;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.selection.IgnoredColumns;
import org.audittrail.udf.selection.TableSelection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit-trail job: every row change of a PostgreSQL database, read from its WAL, stored in {@code changes}.
 * Started through {@code cli.Main} ({@code flink run audit-trail-job.jar [options]}); its options are in docs/options.md.
 */
public final class AuditTrailJob {

    private static final Logger LOG = LoggerFactory.getLogger(AuditTrailJob.class);

    /** Prefix of every operator uid; uids must never change, or savepoints no longer restore. */
    public static final String UID_PREFIX = "audit-trail-";

    private AuditTrailJob() {}

    /** Builds the job and runs it until it is cancelled. */
    public static void run(JobConfig config) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        build(env, config);
        env.execute(config.jobName());
    }

    /** Prepares the databases (unless told not to) and builds the pipeline in {@code env}. */
    public static void build(StreamExecutionEnvironment env, JobConfig config) {
        Database source = config.source();
        Database destination = config.destination();
        TableSelection tables = config.tables();
        IgnoredColumns ignoredColumns = config.ignoredColumns();
        if (!config.skipSetup()) {
            for (String notice :
                    Setup.run(source, destination, tables, config.replication(), config.imageIndexes(), LOG::info)) {
                if (notice.startsWith(Setup.WARNING)) {
                    LOG.warn("Setup: {}", notice.substring(Setup.WARNING.length()));
                } else {
                    LOG.info("Setup: {}", notice);
                }
            }
            String policy = Setup.recordPrivacyPolicy(destination, config.privacyPolicy());
            if (policy != null) {
                LOG.info("Setup: {}", policy);
            }
            if (config.browserRole() != null) {
                Setup.prepareBrowserRole(destination, config.browserRole());
                LOG.info("Setup: the change browser's role {} reads changes", config.browserRole());
            }
        } else if (Setup.rowTriggerReplaced(source)) {
            LOG.warn(
                    "Function _bemi_row_trigger_func() is not the audit trail's (did a Bemi package's migration replace it?):"
                            + " a context may reach a row its statement did not write. Run setup (or start without --skip-setup) to reinstall it.");
        }
        Setup.Capture capture = Setup.capture(source, tables);
        if (config.skipSetup()) {
            // a role made for running only: each grant it lacks said now, not as a failure deep in a task
            RuntimePrivileges.require(source, destination);
        }
        Set<String> destinationTables = new HashSet<>(capture.destination());
        if (destination.sameAs(source)) {
            destinationTables.add("public.changes"); // never read back what the job writes, even before setup marked it
        }
        LOG.info(
                "Capturing {} into {}: tracking {}, reading {} for their context only; ignore-change columns {}",
                source,
                destination,
                capture.tracked(),
                capture.contextOnly(),
                ignoredColumns);
        configure(env, config.checkpointIntervalMs());
        pipeline(
                env,
                WalSource.create(
                        source,
                        destination,
                        capture.schemas(),
                        tables,
                        config.allowRestoreBehindSlot(),
                        config.heartbeatIntervalMs(),
                        config.publicationCheckIntervalMs(),
                        config.slotLagIntervalMs(),
                        config.replication(),
                        baseline(config, capture)),
                // without a policy the graph is the one before policies existed, and a policy adds a stateless step
                config.privacyPolicy().isNone() ? null : new PrivacyPolicyMap(config.privacyPolicy()),
                new TrackedTablesFilter(tables, destinationTables),
                new IgnoredColumnsFilter(ignoredColumns),
                // a job without state goes on from the destination's last link
                config.hashChain() ? new ChangeChain(StoredChain.head(destination, source.name())) : null,
                config.chainHeads() == null || config.chainHeads().signingKey() == null
                        ? null
                        : new HeadSigner(
                                config.chainHeads().signingKey(),
                                config.chainHeads().dir(),
                                config.chainHeads().bucket(),
                                config.chainHeads().intervalMs()),
                ChangesSink.create(destination, config.batchSize(), config.flushIntervalMs()),
                SchemaChangesSink.create(destination),
                new PartitionMaintenance(destination, config.retentionDays(), anchorSigning(config)));
    }

    /** The baseline snapshot of the tracked tables, with the moment each one's rows are stamped with; null without. */
    private static WalSource.Baseline baseline(JobConfig config, Setup.Capture capture) {
        if (!config.snapshot().initial()) {
            return null;
        }
        List<List<String>> tables = capture.tracked().stream()
                .map(name -> capture.tables().get(name))
                .map(table -> List.of(table.schema(), table.name()))
                .toList();
        Map<String, Long> moments = SnapshotMoments.take(
                config.source(), config.destination(), tables, config.snapshot().newTables());
        return new WalSource.Baseline(
                new ArrayList<>(tables),
                moments,
                config.snapshot().chunkRows(),
                config.snapshot().newTables());
    }

    /** With signed heads, each retention anchor is signed beside them; null without. */
    private static PartitionMaintenance.AfterRetention anchorSigning(JobConfig config) {
        if (config.chainHeads() == null || config.chainHeads().signingKey() == null) {
            return null;
        }
        String dir = config.chainHeads().dir().toString(); // a Path is not serializable
        SignedHead.Keys.Signing key = config.chainHeads().signingKey();
        return c -> RetentionAnchor.sign(c, java.nio.file.Path.of(dir), key);
    }

    /** Checkpointing exactly-once, kept on cancel so a stopped job can be restored; no Kryo fallback; object reuse; low latency. */
    static void configure(StreamExecutionEnvironment env, long checkpointIntervalMs) {
        // a quiet change would wait up to Flink's default 100 ms in each of the job's network buffers
        env.setBufferTimeout(10);
        // the hash chain links a change once the watermark passes it: a watermark every 5 ms, not Flink's 200
        env.getConfig().setAutoWatermarkInterval(5);
        env.enableCheckpointing(checkpointIntervalMs, CheckpointingMode.EXACTLY_ONCE);
        env.getCheckpointConfig()
                .setExternalizedCheckpointCleanup(
                        CheckpointConfig.ExternalizedCheckpointCleanup.RETAIN_ON_CANCELLATION);
        env.getConfig().disableGenericTypes();
        // no copy of each change between chained operators: none changes a change after passing it on, and each
        // change read from the network is a new object (the sink keeps its batch's changes)
        env.getConfig().enableObjectReuse();
    }

    /** The pipeline: WAL source, privacy policy (null: none), context stitched per transaction, tracked tables, ignore-change columns, DDLs split off to their sink, hash chain and its signed heads (null: none), partition upkeep, changes sink. */
    static void pipeline(
            StreamExecutionEnvironment env,
            Source<Change, ?, ?> source,
            PrivacyPolicyMap privacyPolicy,
            TrackedTablesFilter trackedTables,
            IgnoredColumnsFilter ignoredColumns,
            ChangeChain chain,
            HeadSigner heads,
            Sink<Change> sink,
            Sink<Change> schemaChanges,
            PartitionMaintenance maintenance) {
        DataStream<Change> wal = env.fromSource(source, new WalSequence(), "WAL")
                .uid(UID_PREFIX + "wal")
                .setParallelism(1);
        if (privacyPolicy != null) {
            // the policy first, chained to the source: no clear value it hides reaches state or the network
            wal = wal.map(privacyPolicy)
                    .name("Privacy policy")
                    .uid(UID_PREFIX + "privacy-policy")
                    .setParallelism(1);
        }
        DataStream<Change> changes = wal.keyBy(change -> change.transactionId)
                .process(new ContextStitcher())
                .name("Context")
                .uid(UID_PREFIX + "context")
                .filter(trackedTables)
                .name("Tracked tables")
                .uid(UID_PREFIX + "tracked-tables")
                .filter(ignoredColumns)
                .name("Ignore-change columns")
                .uid(UID_PREFIX + "ignored-columns")
                .map(new FallbackValues())
                .name("Fallback values")
                .uid(UID_PREFIX + "fallback-values");
        // DDLs leave before the chain: the schema history is a table of its own, not links of the changes' chain
        SingleOutputStreamOperator<Change> rows =
                changes.process(new SchemaChangeSplit()).name("Schema changes").uid(UID_PREFIX + "schema-changes");
        rows.getSideOutput(SchemaChangeSplit.SCHEMA_CHANGES)
                .sinkTo(schemaChanges)
                .name("schema_changes")
                .uid(UID_PREFIX + "schema-changes-sink");
        changes = rows;
        if (chain != null) {
            // one chain per source database: its changes meet in one subtask, in an order every restore repeats
            changes = changes.keyBy(change -> change.database)
                    .process(chain)
                    .name("Hash chain")
                    .uid(UID_PREFIX + "hash-chain");
        }
        if (heads != null) {
            // the chain's output is already partitioned by database: its heads run in the same task, no shuffle
            changes = DataStreamUtils.reinterpretAsKeyedStream(changes, change -> change.database)
                    .process(heads)
                    .name("Chain heads")
                    .uid(UID_PREFIX + "chain-heads");
        }
        changes.map(maintenance)
                .name("Partition maintenance")
                .uid(UID_PREFIX + "partition-maintenance")
                .sinkTo(sink)
                .name("changes")
                .uid(UID_PREFIX + "changes-sink");
    }
}
