package org.audittrail.job;

import org.apache.flink.cdc.connectors.base.config.JdbcSourceConfig;
import org.apache.flink.cdc.connectors.base.source.reader.external.JdbcSourceFetchTaskContext;
import org.apache.flink.cdc.connectors.postgres.source.PostgresDialect;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfig;
import org.apache.flink.cdc.connectors.postgres.source.fetch.PostgresSourceFetchTaskContext;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The Postgres dialect, letting logical decoding messages through: the stock stream fetcher drops them
 * once a table filter is set, taking them for changes of a table it does not track.
 */
public class ContextMessageDialect extends PostgresDialect {

    private static final long serialVersionUID = 1L;

    private static final String MESSAGE_VALUE_SCHEMA = "io.debezium.connector.postgresql.MessageValue";

    public ContextMessageDialect(PostgresSourceConfig sourceConfig) {
        super(sourceConfig);
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
