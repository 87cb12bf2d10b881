package org.audittrail.job;

import org.apache.flink.cdc.connectors.base.config.JdbcSourceConfig;
import org.apache.flink.cdc.connectors.base.source.reader.external.JdbcSourceFetchTaskContext;
import org.apache.flink.cdc.connectors.postgres.source.PostgresDialect;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfig;
import org.apache.flink.cdc.connectors.postgres.source.fetch.PostgresSourceFetchTaskContext;
import org.apache.flink.cdc.connectors.base.relational.connection.JdbcConnectionPoolFactory;
import org.apache.flink.cdc.connectors.postgres.source.PostgresConnectionPoolFactory;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.cdc.connectors.base.source.reader.external.FetchTask;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffset;
import org.apache.flink.util.FlinkRuntimeException;
import org.apache.kafka.connect.source.SourceRecord;

import io.debezium.connector.postgresql.connection.Lsn;
import io.debezium.connector.postgresql.connection.PostgresConnection;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.sql.SQLException;

/**
 * The Postgres dialect, letting logical decoding messages through (the stock stream fetcher drops them
 * once a table filter is set, taking them for changes of a table it does not track) and keeping the password
 * out of the connector configuration that Flink CDC logs (see {@link SourcePassword}).
 */
public class ContextMessageDialect extends PostgresDialect {

    private static final long serialVersionUID = 1L;

    private static final String MESSAGE_VALUE_SCHEMA = "io.debezium.connector.postgresql.MessageValue";

    private final String passwordReference;
    private final String password;
    private final boolean allowRestoreBehindSlot;

    /**
     * {@code sourceConfig} holds {@code passwordReference} as its password; {@code password} is the real one.
     * Unless {@code allowRestoreBehindSlot}, reading refuses to start behind the slot (see {@link #createFetchTask}).
     */
    public ContextMessageDialect(PostgresSourceConfig sourceConfig, String passwordReference, String password,
                                 boolean allowRestoreBehindSlot) {
        super(sourceConfig);
        this.passwordReference = passwordReference;
        this.password = password;
        this.allowRestoreBehindSlot = allowRestoreBehindSlot;
        SourcePassword.register(passwordReference, password);
    }

    /**
     * Refuses to stream from a position behind the slot's: the server would silently start at the slot's
     * position instead, skipping every change in between, as when an older checkpoint or savepoint is restored.
     */
    @Override
    public FetchTask<SourceSplitBase> createFetchTask(SourceSplitBase split) {
        if (split.isStreamSplit() && !allowRestoreBehindSlot) {
            Lsn start = ((PostgresOffset) split.asStreamSplit().getStartingOffset()).getLsn();
            Lsn slot = confirmedFlushLsn();
            if (slot != null && start.isValid() && start.compareTo(slot) < 0) {
                throw new FlinkRuntimeException("Restored position " + start + " is behind the position " + slot
                        + " the replication slot " + getSlotName() + " has confirmed: the changes between the two are no"
                        + " longer in the slot and would be skipped. Restore the latest checkpoint or savepoint instead,"
                        + " or start with --allow-restore-behind-slot to accept the gap.");
            }
        }
        return super.createFetchTask(split);
    }

    private Lsn confirmedFlushLsn() {
        try (PostgresConnection jdbc = openJdbcConnection()) {
            return jdbc.queryAndMap("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '"
                    + getSlotName().replace("'", "''") + "'", rs -> rs.next() && rs.getString(1) != null ? Lsn.valueOf(rs.getString(1)) : null);
        } catch (SQLException e) {
            throw new FlinkRuntimeException("Cannot read the position of replication slot " + getSlotName(), e);
        }
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        // every JVM that runs the source (JobManager's enumerator, TaskManagers' readers) gets its copy here
        SourcePassword.register(passwordReference, password);
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
                return new HikariDataSource(config);
            }
        };
    }

    @Override
    public JdbcSourceFetchTaskContext createFetchTaskContext(JdbcSourceConfig taskSourceConfig) {
        return new PostgresSourceFetchTaskContext(taskSourceConfig, this) {
            @Override
            public boolean isDataChangeRecord(SourceRecord record) {
                return !isMessage(record) && super.isDataChangeRecord(record);
            }
        };
    }

    static boolean isMessage(SourceRecord record) {
        return record.valueSchema() != null && MESSAGE_VALUE_SCHEMA.equals(record.valueSchema().name());
    }
}
