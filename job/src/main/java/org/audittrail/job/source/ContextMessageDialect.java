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

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.debezium.connector.postgresql.connection.Lsn;
import io.debezium.connector.postgresql.connection.PostgresConnection;
import io.debezium.jdbc.JdbcConnection;
import io.debezium.relational.TableId;
import io.debezium.relational.history.TableChanges.TableChange;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.cdc.connectors.base.config.JdbcSourceConfig;
import org.apache.flink.cdc.connectors.base.relational.connection.JdbcConnectionPoolFactory;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.cdc.connectors.base.source.reader.external.FetchTask;
import org.apache.flink.cdc.connectors.base.source.reader.external.JdbcSourceFetchTaskContext;
import org.apache.flink.cdc.connectors.postgres.source.PostgresConnectionPoolFactory;
import org.apache.flink.cdc.connectors.postgres.source.PostgresDialect;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfig;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfigFactory;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffset;
import org.apache.flink.util.FlinkRuntimeException;
import org.apache.kafka.connect.source.SourceRecord;
import org.audittrail.job.db.Database;
import org.audittrail.job.db.SourcePassword;
import org.audittrail.job.db.ssh.TunnelSocketFactory;
import org.audittrail.job.source.decoding.DroppedTableKeys;
import org.audittrail.job.source.decoding.PgOutputDecoder;
import org.audittrail.job.source.watch.SlotLag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Postgres dialect: refuses to start where changes may have been lost, decodes with {@link PgOutputDecoder},
 * lets logical decoding messages through (the stock stream fetcher drops them
 * once a table filter is set, taking them for changes of a table it does not track) and keeping the password
 * out of the connector configuration that Flink CDC logs (see {@link SourcePassword}).
 */
public class ContextMessageDialect extends PostgresDialect {

    private static final long serialVersionUID = 1L;

    private static final Logger LOG = LoggerFactory.getLogger(ContextMessageDialect.class);

    private static final String MESSAGE_VALUE_SCHEMA = "io.debezium.connector.postgresql.MessageValue";

    private final String passwordReference;
    private final String password;
    private final String keyPasswordReference;
    private final String keyPassword;
    private final Database destination;
    private final String database;
    private final boolean acceptLostChanges;
    /** The tables the baseline snapshot reads, each [schema, table]; null without a snapshot. */
    private List<List<String>> snapshotTables;
    /** The readers' configuration where it differs from the enumerator's (see {@link #snapshot}); null where not. */
    private PostgresSourceConfigFactory readerConfig;

    /**
     * {@code sourceConfig} holds {@code passwordReference} as its password; {@code password} is the real one. Likewise
     * {@code keyPasswordReference} stands for the client key's passphrase {@code keyPassword} (both null without one).
     * {@code destination} is where the job stores changes, consulted to tell why a restore is refused; unless
     * {@code acceptLostChanges}, reading refuses to start where changes may have been lost (see {@link #createFetchTask}).
     */
    public ContextMessageDialect(
            PostgresSourceConfig sourceConfig,
            String passwordReference,
            String password,
            String keyPasswordReference,
            String keyPassword,
            Database destination,
            boolean acceptLostChanges) {
        super(sourceConfig);
        this.passwordReference = passwordReference;
        this.password = password;
        this.keyPasswordReference = keyPasswordReference;
        this.keyPassword = keyPassword;
        this.destination = destination;
        this.database = sourceConfig.getDatabaseList().get(0);
        this.acceptLostChanges = acceptLostChanges;
        registerPasswords();
    }

    /**
     * The baseline snapshot reads {@code tables} ([schema, table]) only, each with a primary key (its chunks are key
     * ranges; one without is said once and only streamed). {@code readerConfig}: where the enumerator looks for
     * tables not snapshotted yet at a restore, the readers' configuration, which does not, so that a table's changes
     * are read from its creation on, as without a snapshot, rather than held back until a restore (null: the same).
     */
    void snapshot(List<List<String>> tables, PostgresSourceConfigFactory readerConfig) {
        this.snapshotTables = tables;
        this.readerConfig = readerConfig;
    }

    @Override
    public List<TableId> discoverDataCollections(JdbcSourceConfig sourceConfig) {
        List<TableId> found = super.discoverDataCollections(sourceConfig);
        if (snapshotTables == null) {
            return found;
        }
        List<TableId> snapshotted = new ArrayList<>();
        try (PostgresConnection jdbc = openJdbcConnection()) {
            for (TableId table : found) {
                if (!snapshotTables.contains(List.of(table.schema(), table.table()))) {
                    continue;
                }
                if (hasPrimaryKey(jdbc, table)) {
                    // without the catalog newer pgjdbc versions name (current_database()), as Flink CDC names the
                    // tables of the WAL's records and Debezium matches its include list
                    snapshotted.add(new TableId(null, table.schema(), table.table()));
                } else if (warnedWithoutKey.add(table.toString())) {
                    LOG.warn(
                            "Baseline snapshot: {}.{} has no primary key, by whose ranges Flink CDC reads a table in"
                                    + " chunks: it has no baseline; its changes are captured as before",
                            table.schema(),
                            table.table());
                }
            }
        } catch (SQLException e) {
            throw new FlinkRuntimeException(
                    "Cannot read the primary keys of the tables to snapshot: " + e.getMessage(), e);
        }
        return snapshotted;
    }

    /**
     * A table's schema, for a table named without catalog (see {@link #discoverDataCollections}): read under the catalog
     * pgjdbc names, then named as asked.
     */
    @Override
    public TableChange queryTableSchema(JdbcConnection jdbc, TableId tableId) {
        if (tableId.catalog() != null) {
            return super.queryTableSchema(jdbc, tableId);
        }
        TableChange change = super.queryTableSchema(jdbc, new TableId(database, tableId.schema(), tableId.table()));
        return new TableChange(
                change.getType(), change.getTable().edit().tableId(tableId).create());
    }

    @Override
    public Map<TableId, TableChange> discoverDataCollectionSchemas(JdbcSourceConfig sourceConfig) {
        if (snapshotTables == null) {
            return super.discoverDataCollectionSchemas(sourceConfig);
        }
        Map<TableId, TableChange> schemas = new java.util.HashMap<>();
        try (JdbcConnection jdbc = openJdbcConnection(sourceConfig)) {
            for (TableId table : discoverDataCollections(sourceConfig)) {
                schemas.put(table, queryTableSchema(jdbc, table));
            }
        } catch (Exception e) {
            throw new FlinkRuntimeException("Cannot read the schemas of the tables to snapshot: " + e.getMessage(), e);
        }
        return schemas;
    }

    private final Set<String> warnedWithoutKey = ConcurrentHashMap.newKeySet();

    private static boolean hasPrimaryKey(PostgresConnection jdbc, TableId table) throws SQLException {
        return jdbc.prepareQueryAndMap(
                "SELECT EXISTS (SELECT FROM pg_index WHERE indrelid = ?::regclass AND indisprimary)",
                s -> s.setString(
                        1,
                        "\"" + table.schema().replace("\"", "\"\"") + "\".\""
                                + table.table().replace("\"", "\"\"") + "\""),
                rs -> rs.next() && rs.getBoolean(1));
    }

    private void registerPasswords() {
        SourcePassword.register(passwordReference, password);
        if (keyPasswordReference != null) {
            SourcePassword.register(keyPasswordReference, keyPassword);
        }
    }

    /**
     * Before streaming: refuses a slot that another process reads (retried: it may be this job's previous connection,
     * not yet noticed gone), and, where state was restored, a missing slot or one ahead of the restored position. The
     * slot moves only to positions the job confirmed at a completed checkpoint (see {@link PgOutputDecoder}), so ahead
     * means PostgreSQL would start past changes the restored state never read; both fail the job for good.
     */
    @Override
    public FetchTask<SourceSplitBase> createFetchTask(SourceSplitBase split) {
        if (split.isStreamSplit()) {
            PostgresOffset restored = (PostgresOffset) split.asStreamSplit().getStartingOffset();
            Slot slot = slot();
            if (slot != null && slot.activePid() != null) {
                throw new SlotInUseException(
                        "Replication slot \"" + getSlotName() + "\" is active for PID " + slot.activePid()
                                + ": another job reads this database's changes (only one may), or this job's previous connection"
                                + " has not closed yet. Stop the other job; the start is retried.");
            }
            if (slot != null && (SlotLag.status(slot.walStatus()) == 3 || slot.invalidation() != null)) {
                throw new CaptureRefusedException(
                        SlotLag.lostMessage(getSlotName(), slot.walStatus(), slot.invalidation()));
            }
            if (restored.getLsn().isValid() && !acceptLostChanges) {
                if (slot == null) {
                    throw slotLost("position " + restored.getLsn());
                }
                if (slot.confirmed().compareTo(restored.getLsn()) > 0) {
                    throw new CaptureRefusedException(behindSlot(restored, slot.confirmed()));
                }
            }
            heartbeat();
        }
        // a chunk's reading that hands over to the WAL by commit (ReadContext)
        return split.isSnapshotSplit() ? new ReadContext.ChunkTask(split) : super.createFetchTask(split);
    }

    /**
     * Before the enumerator of restored state runs (it would create a missing slot at the current position): refuses a
     * missing slot, as {@link #createFetchTask} does when the readers restart.
     */
    void refuseLostSlot() {
        if (!acceptLostChanges && slot() == null) {
            throw slotLost("its position");
        }
    }

    private CaptureRefusedException slotLost(String position) {
        return new CaptureRefusedException("Replication slot " + getSlotName() + " no longer exists, though this job"
                + " restored " + position
                + " from a checkpoint or savepoint: it was dropped (by disconnect, by hand, or by"
                + " a failover to a server without it), and every change made since then may have been lost. The slot is"
                + " not recreated silently: start with " + ACCEPT_OPTION + " to create it at the current position and"
                + " capture from now on.");
    }

    /** The option that starts the job although changes may have been lost. */
    public static final String ACCEPT_OPTION = "--allow-restore-behind-slot";

    private String behindSlot(PostgresOffset restored, Lsn confirmed) {
        String gap = " Changes between " + restored.getLsn() + " and " + confirmed
                + " would be skipped: PostgreSQL streams" + " from the slot's position, whatever the job asks for.";
        Boolean stored = storedBetween(restored, confirmed);
        if (Boolean.TRUE.equals(stored)) {
            return "Restored position " + restored.getLsn() + " is behind the position " + confirmed
                    + " the replication slot "
                    + getSlotName() + " has confirmed, and " + destination
                    + " already holds changes stored after it: this"
                    + " is an older checkpoint or savepoint than the newest one." + gap
                    + " Restore the newest checkpoint or"
                    + " savepoint instead, or start with " + ACCEPT_OPTION + " to accept the gap.";
        }
        return "Restored position " + restored.getLsn() + " is behind the position " + confirmed
                + " the replication slot "
                + getSlotName() + " has confirmed, and "
                + (stored == null ? "" : destination + " holds no change stored after" + " it: ")
                + "the slot was moved by something other than this job (pg_replication_slot_advance, a slot"
                + " dropped and created again, another consumer), past changes this job never stored." + gap
                + " Start with " + ACCEPT_OPTION + " to capture from the slot's position on.";
    }

    /** Whether the destination holds a change of this database stored after {@code restored}; null if it cannot tell. */
    private Boolean storedBetween(PostgresOffset restored, Lsn confirmed) {
        Long committedMicros = restored.getLastCommitTs();
        try (Connection c = destination.connect();
                PreparedStatement s = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM changes"
                        + " WHERE \"database\" = ? AND \"position\" > ? AND \"position\" <= ?"
                        // later transactions commit later: the time bound lets the partitions and the index narrow the
                        // search
                        + " AND \"committed_at\" >= to_timestamp(? / 1e6) - interval '1 minute')")) {
            s.setString(1, database);
            s.setLong(2, restored.getLsn().asLong());
            s.setLong(3, confirmed.asLong());
            s.setLong(4, committedMicros == null ? 0L : committedMicros);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        } catch (SQLException e) {
            return null;
        }
    }

    /** The key columns of a table by its OID, as this database's schema history in the destination recorded it last. */
    DroppedTableKeys droppedTableKeys() {
        return new DroppedTableKeys(relation -> {
            try (Connection c = destination.connect();
                    PreparedStatement s = c.prepareStatement("SELECT \"columns\"::text FROM schema_changes"
                            + " WHERE \"relation\" = ? AND \"database\" = ? AND \"command\" <> 'DROP TABLE'"
                            + " ORDER BY \"committed_at\" DESC, \"position\" DESC LIMIT 1")) {
                s.setLong(1, relation);
                s.setString(2, database);
                try (ResultSet rs = s.executeQuery()) {
                    return rs.next() ? DroppedTableKeys.keyOf(rs.getString(1)) : List.of();
                }
            }
        });
    }

    private record Slot(Integer activePid, Lsn confirmed, String walStatus, String invalidation) {}

    /** The slot of this database, or null where there is none. */
    /**
     * A heartbeat in a transaction of its own as the WAL's reading (re)starts: Debezium streams only once it has seen a
     * commit past the position it starts from, so on a quiet database the reading after a new table's baseline, and the
     * watermark the hash chain waits for to place that baseline, would wait for the next write.
     */
    private void heartbeat() {
        try (PostgresConnection jdbc = openJdbcConnection()) {
            jdbc.execute(DebeziumProperties.heartbeat(true));
        } catch (SQLException e) {
            // the periodic heartbeat and the next write still move the reading on
            LOG.warn("Writing a heartbeat into the WAL of {} failed: {}", getSlotName(), e.getMessage());
        }
    }

    private Slot slot() {
        try (PostgresConnection jdbc = openJdbcConnection()) {
            return jdbc.queryAndMap(
                    "SELECT active_pid, confirmed_flush_lsn::text, wal_status, to_jsonb(s) ->> 'invalidation_reason'"
                            + " FROM pg_replication_slots s WHERE slot_name = '"
                            + getSlotName().replace("'", "''") + "' AND database = current_database()",
                    rs -> rs.next()
                            ? new Slot(
                                    (Integer) rs.getObject(1),
                                    rs.getString(2) == null ? Lsn.INVALID_LSN : Lsn.valueOf(rs.getString(2)),
                                    rs.getString(3),
                                    rs.getString(4))
                            : null);
        } catch (SQLException e) {
            throw new FlinkRuntimeException("Cannot read replication slot " + getSlotName() + ": " + e.getMessage(), e);
        }
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        // every JVM that runs the source (JobManager's enumerator, TaskManagers' readers) gets its copy here
        registerPasswords();
    }

    @Override
    public JdbcConnectionPoolFactory getPooledDataSourceFactory() {
        return new PostgresConnectionPoolFactory() {
            @Override
            public HikariDataSource createPooledDataSource(JdbcSourceConfig sourceConfig) {
                // the stock pool, plus the plugin that resolves the password reference
                HikariConfig config = new HikariConfig();
                config.setPoolName(CONNECTION_POOL_PREFIX + sourceConfig.getHostname() + ":" + sourceConfig.getPort());
                config.setJdbcUrl(getJdbcUrl(sourceConfig));
                config.setUsername(sourceConfig.getUsername());
                config.setPassword(sourceConfig.getPassword());
                config.setMinimumIdle(MINIMUM_POOL_SIZE);
                config.setMaximumPoolSize(sourceConfig.getConnectionPoolSize());
                config.setConnectionTimeout(sourceConfig.getConnectTimeout().toMillis());
                config.setDriverClassName(sourceConfig.getDriverClassName());
                config.addDataSourceProperty(SourcePassword.PLUGIN_PROPERTY, SourcePassword.class.getName());
                // the stock pool's URL has no TLS or tunnel settings: the same as Debezium's connections get
                sourceConfig.getDbzProperties().forEach((name, value) -> {
                    String property = name.toString();
                    if (property.startsWith(DebeziumProperties.DATABASE_PREFIX + "ssl")
                            || property.startsWith(
                                    DebeziumProperties.DATABASE_PREFIX + TunnelSocketFactory.FACTORY_PROPERTY)) {
                        config.addDataSourceProperty(
                                property.substring(DebeziumProperties.DATABASE_PREFIX.length()), value);
                    }
                });
                return new HikariDataSource(config);
            }
        };
    }

    @Override
    public JdbcSourceFetchTaskContext createFetchTaskContext(JdbcSourceConfig taskSourceConfig) {
        JdbcSourceConfig config = readerConfig == null
                ? taskSourceConfig
                : readerConfig.create(((PostgresSourceConfig) taskSourceConfig).getSubtaskId());
        return new ReadContext(config, this);
    }

    static boolean isMessage(SourceRecord record) {
        return record.valueSchema() != null
                && MESSAGE_VALUE_SCHEMA.equals(record.valueSchema().name());
    }
}
