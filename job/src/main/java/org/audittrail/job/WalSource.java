package org.audittrail.job;

import org.apache.flink.cdc.connectors.base.options.StartupOptions;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder.PostgresIncrementalSource;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfigFactory;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffsetFactory;
import org.audittrail.udf.Change;
import org.audittrail.udf.ChangeDeserializer;

import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** The Flink CDC incremental source over slot and publication {@code bemi}, with pgoutput, streaming only. */
public final class WalSource {

    private WalSource() {}

    /**
     * A source of the changes of the tables of publication {@code bemi} in the schemas of {@code tables}
     * ({@code schema.table}) and in public, and of the context messages; see {@link ContextMessageDialect}.
     * The publication is the table filter, so a table that setup's event trigger adds to it is read at once.
     */
    public static PostgresIncrementalSource<Change> create(Database source, List<String> tables, boolean allowRestoreBehindSlot) {
        Set<String> schemas = new TreeSet<>(Set.of("public"));
        tables.forEach(t -> schemas.add(t.substring(0, t.indexOf('.'))));
        String passwordReference = SourcePassword.newReference();
        PostgresSourceBuilder<Change> builder = PostgresSourceBuilder.PostgresIncrementalSource.<Change>builder()
                .hostname(source.host())
                .port(source.port())
                .database(source.name())
                .username(source.user())
                .password(passwordReference)
                .schemaList(schemas.toArray(String[]::new))
                .tableList(schemas.stream().map(schema -> Pattern.quote(schema) + "\\..*").toArray(String[]::new))
                .slotName(Setup.SLOT)
                .decodingPluginName("pgoutput")
                // the first start reads from the slot; later starts from the checkpoint or savepoint
                .startupOptions(StartupOptions.committed())
                .debeziumProperties(debeziumProperties())
                .deserializer(new ChangeDeserializer());
        PostgresSourceConfigFactory config = builder.getConfigFactory();
        // build() hard-codes the stock dialect, which drops context messages
        return new PostgresIncrementalSource<>(
                config, new ChangeDeserializer(), new PostgresOffsetFactory(), new ContextMessageDialect(config.create(0), passwordReference, source.password(), allowRestoreBehindSlot));
    }

    private static Properties debeziumProperties() {
        Properties p = new Properties();
        p.setProperty("publication.name", Setup.PUBLICATION);
        p.setProperty("database." + SourcePassword.PLUGIN_PROPERTY, SourcePassword.class.getName());
        // setup owns the publication's table list
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("slot.drop.on.stop", "false");
        p.setProperty("decimal.handling.mode", "precise");
        p.setProperty("interval.handling.mode", "string");
        p.setProperty("binary.handling.mode", "bytes");
        p.setProperty("hstore.handling.mode", "json");
        p.setProperty("time.precision.mode", "adaptive_time_microseconds");
        p.setProperty("include.unknown.datatypes", "true");
        p.setProperty("message.prefix.include.list", ChangeDeserializer.CONTEXT_PREFIX);
        // Debezium's default 500 ms pause when the WAL is idle adds up to that much latency to every quiet change
        p.setProperty("poll.interval.ms", "50");
        return p;
    }
}
