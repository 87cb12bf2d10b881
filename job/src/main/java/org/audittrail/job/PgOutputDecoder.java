package org.audittrail.job;

import io.debezium.connector.postgresql.PostgresStreamingChangeEventSource.PgConnectionSupplier;
import io.debezium.connector.postgresql.PostgresType;
import io.debezium.connector.postgresql.TypeRegistry;
import io.debezium.connector.postgresql.UnchangedToastedReplicationMessageColumn;
import io.debezium.connector.postgresql.connection.AbstractReplicationMessageColumn;
import io.debezium.connector.postgresql.connection.MessageDecoderContext;
import io.debezium.connector.postgresql.connection.PostgresConnection;
import io.debezium.connector.postgresql.connection.ReplicationMessage;
import io.debezium.connector.postgresql.connection.ReplicationMessage.Operation;
import io.debezium.connector.postgresql.connection.ReplicationStream.ReplicationMessageProcessor;
import io.debezium.connector.postgresql.connection.pgoutput.PgOutputMessageDecoder;
import io.debezium.connector.postgresql.connection.pgoutput.PgOutputReplicationMessage;
import io.debezium.connector.postgresql.PostgresValueConverter;
import io.debezium.connector.postgresql.connection.ReplicationMessage.NoopMessage;
import io.debezium.relational.Column;
import io.debezium.relational.ColumnEditor;
import io.debezium.relational.Table;
import io.debezium.relational.TableId;
import org.postgresql.replication.fluent.logical.ChainedLogicalStreamBuilder;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Debezium's pgoutput decoder with four faults of Debezium 1.9 worked around; the rest of the protocol is Debezium's.
 *
 * <ul>
 *   <li>Relation names are read as UTF-8 (Debezium reads one char per byte, mangling non-ASCII names).</li>
 *   <li>A relation's columns and key are read by its OID; Debezium looks them up by name as a LIKE pattern, so
 *       {@code x_y} also matched {@code "x y"} and failed with {@code Duplicate key}.</li>
 *   <li>numeric {@code Infinity} and {@code -Infinity}, and numeric arrays holding them or NaN, become special values
 *       (Debezium failed on them).</li>
 *   <li>The replication stream never confirms a position by itself (pgjdbc's automatic flush confirms the
 *       server's WAL end on keepalives): the slot moves only to positions the job confirmed at a completed
 *       checkpoint, so a slot ahead of a restored position always means changes the restored state does not know.</li>
 * </ul>
 */
public class PgOutputDecoder extends PgOutputMessageDecoder {

    private static final Instant PG_EPOCH = LocalDate.of(2000, 1, 1).atStartOfDay().toInstant(ZoneOffset.UTC);

    /** Each column: nullability, position in the primary key (else the first unique index, as Debezium falls back), default. */
    private static final String COLUMNS = "SELECT a.attname, a.attnotnull,"
            + " coalesce(array_position(k.columns, a.attnum) + 1 - array_lower(k.columns, 1), 0) AS key_position,"
            + " pg_get_expr(d.adbin, d.adrelid) AS default_value"
            + " FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
            + " LEFT JOIN LATERAL (SELECT i.indkey::int2[] AS columns FROM pg_index i WHERE i.indrelid = a.attrelid"
            + "   AND (i.indisprimary OR (i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL))"
            + "   ORDER BY i.indisprimary DESC, i.indexrelid LIMIT 1) k ON true"
            + " WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped";

    private final MessageDecoderContext context;
    private final PostgresConnection connection;
    private Instant commitTimestamp;
    private Long transactionId;

    public PgOutputDecoder(MessageDecoderContext context, PostgresConnection connection) {
        super(context, connection);
        this.context = context;
        this.connection = connection;
    }

    @Override
    public ChainedLogicalStreamBuilder optionsWithMetadata(ChainedLogicalStreamBuilder builder, Function<Integer, Boolean> hasMinimumServerVersion) {
        return super.optionsWithMetadata(builder, hasMinimumServerVersion).withAutomaticFlush(false);
    }

    @Override
    public ChainedLogicalStreamBuilder optionsWithoutMetadata(ChainedLogicalStreamBuilder builder, Function<Integer, Boolean> hasMinimumServerVersion) {
        return super.optionsWithoutMetadata(builder, hasMinimumServerVersion).withAutomaticFlush(false);
    }

    @Override
    public void processNotEmptyMessage(ByteBuffer buffer, ReplicationMessageProcessor processor, TypeRegistry types)
            throws SQLException, InterruptedException {
        int start = buffer.position();
        char type = (char) buffer.get();
        switch (type) {
            case 'B' -> {
                buffer.getLong(); // final LSN of the transaction
                commitTimestamp = PG_EPOCH.plus(buffer.getLong(), ChronoUnit.MICROS);
                transactionId = Integer.toUnsignedLong(buffer.getInt());
                buffer.position(start);
                super.processNotEmptyMessage(buffer, processor, types);
            }
            case 'R' -> relation(buffer, types);
            case 'I' -> {
                Optional<Table> table = table(buffer.getInt());
                buffer.get(); // 'N'
                row(processor, Operation.INSERT, table, null, table.isPresent() ? tuple(buffer, types, table.get()) : null);
            }
            case 'U' -> {
                Optional<Table> table = table(buffer.getInt());
                List<ReplicationMessage.Column> old = null;
                char tuple = (char) buffer.get();
                if (tuple == 'O' || tuple == 'K') {
                    old = table.isPresent() ? tuple(buffer, types, table.get()) : null;
                    buffer.get(); // 'N'
                }
                row(processor, Operation.UPDATE, table, old, table.isPresent() ? tuple(buffer, types, table.get()) : null);
            }
            case 'D' -> {
                Optional<Table> table = table(buffer.getInt());
                buffer.get(); // 'O' or 'K'
                row(processor, Operation.DELETE, table, table.isPresent() ? tuple(buffer, types, table.get()) : null, null);
            }
            default -> {
                buffer.position(start);
                super.processNotEmptyMessage(buffer, processor, types);
            }
        }
    }

    private Optional<Table> table(int relationId) {
        return Optional.ofNullable(context.getSchema().tableFor(relationId));
    }

    private void row(ReplicationMessageProcessor processor, Operation operation, Optional<Table> table,
                     List<ReplicationMessage.Column> old, List<ReplicationMessage.Column> columns) throws SQLException, InterruptedException {
        if (table.isEmpty()) {
            processor.process(new NoopMessage(transactionId, commitTimestamp)); // a table the schema filters out
        } else {
            processor.process(new PgOutputReplicationMessage(operation, table.get().id().toDoubleQuotedString(),
                    commitTimestamp, transactionId, old, columns));
        }
    }

    /** A relation message: the table's schema, with names, key and nullability read from the catalog by OID. */
    private void relation(ByteBuffer buffer, TypeRegistry types) throws SQLException {
        int relationId = buffer.getInt();
        TableId id = new TableId(null, string(buffer), string(buffer));
        buffer.get(); // replica identity
        short count = buffer.getShort();
        Map<String, Attribute> attributes = attributes(relationId);
        List<Column> columns = new ArrayList<>(count);
        Map<Integer, String> key = new java.util.TreeMap<>();
        for (int i = 0; i < count; i++) {
            buffer.get(); // flags: part of the replica identity, which is every column under FULL
            String name = string(buffer);
            PostgresType type = types.get(buffer.getInt());
            int modifier = buffer.getInt();
            Attribute attribute = attributes.getOrDefault(name, new Attribute(true, 0, null));
            if (attribute.keyPosition() > 0) {
                key.put(attribute.keyPosition(), name);
            }
            columns.add(column(name, type, modifier, attribute));
        }
        Table table = Table.editor().tableId(id).addColumns(columns).setPrimaryKeyNames(new ArrayList<>(key.values())).create();
        context.getSchema().applySchemaChangesForTable(relationId, table);
    }

    private static Column column(String name, PostgresType type, int modifier, Attribute attribute) {
        int length = type.getDefaultLength();
        int scale = type.getDefaultScale();
        if (modifier != TypeRegistry.NO_TYPE_MODIFIER && type.getTypeInfo() != null) {
            length = type.getTypeInfo().getPrecision(type.getOid(), modifier);
            scale = type.getTypeInfo().getScale(type.getOid(), modifier);
        }
        String expression = length == type.getDefaultLength() && scale == 0 ? type.getName() : type.getName() + "(" + length + "," + scale + ")";
        ColumnEditor editor = Column.editor()
                .name(name)
                .jdbcType(type.getRootType().getJdbcId())
                .nativeType(type.getRootType().getOid())
                .optional(attribute.optional())
                .type(type.getName(), expression)
                .length(length)
                .scale(scale);
        if (attribute.defaultValue() != null) {
            editor.defaultValueExpression(attribute.defaultValue());
        }
        return editor.create();
    }

    private record Attribute(boolean optional, int keyPosition, String defaultValue) {}

    private Map<String, Attribute> attributes(int relationId) throws SQLException {
        Map<String, Attribute> attributes = new HashMap<>();
        Connection c = connection.connection();
        try (PreparedStatement s = c.prepareStatement(COLUMNS)) {
            s.setLong(1, Integer.toUnsignedLong(relationId));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    attributes.put(rs.getString(1), new Attribute(!rs.getBoolean(2), rs.getInt(3), rs.getString(4)));
                }
            }
        }
        if (!c.getAutoCommit()) {
            c.commit(); // never hold a snapshot open on the metadata connection
        }
        return attributes;
    }

    /** A tuple's columns, in the table's order; numeric specials resolved here, every other value by Debezium. */
    private static List<ReplicationMessage.Column> tuple(ByteBuffer buffer, TypeRegistry types, Table table) {
        short count = buffer.getShort();
        List<ReplicationMessage.Column> columns = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Column column = table.columns().get(i);
            String name = column.name();
            PostgresType type = types.get(column.typeName());
            String expression = column.typeExpression();
            char kind = (char) buffer.get();
            if (kind == 't') {
                byte[] bytes = new byte[buffer.getInt()];
                buffer.get(bytes);
                String text = new String(bytes, StandardCharsets.UTF_8);
                columns.add(new AbstractReplicationMessageColumn(name, type, expression, column.isOptional(), true) {
                    @Override
                    public Object getValue(PgConnectionSupplier connection, boolean includeUnknownDatatypes) {
                        if (type.getOid() == NUMERIC_OID) {
                            Object special = PostgresValueConverter.toSpecialValue(text).orElse(null);
                            if (special != null) {
                                return special;
                            }
                        } else if (type.getOid() == NUMERIC_ARRAY_OID && text.startsWith("{") && text.indexOf('{', 1) < 0) {
                            return numericArray(text);
                        }
                        return PgOutputReplicationMessage.getValue(name, type, expression, text, connection, includeUnknownDatatypes, types);
                    }
                });
            } else if (kind == 'u') {
                columns.add(new UnchangedToastedReplicationMessageColumn(name, type, expression, column.isOptional(), true));
            } else {
                columns.add(new AbstractReplicationMessageColumn(name, type, expression, true, true) {
                    @Override
                    public Object getValue(PgConnectionSupplier connection, boolean includeUnknownDatatypes) {
                        return null;
                    }
                });
            }
        }
        return columns;
    }

    private static final int NUMERIC_OID = 1700;
    private static final int NUMERIC_ARRAY_OID = 1231;

    /** A one-dimensional numeric[]'s text as its elements (Debezium's array path fails on NaN and the infinities). */
    private static List<Object> numericArray(String text) {
        List<Object> elements = new ArrayList<>();
        String inner = text.substring(1, text.length() - 1);
        if (inner.isEmpty()) {
            return elements;
        }
        for (String element : inner.split(",")) {
            elements.add(element.equals("NULL") ? null : PostgresValueConverter.toSpecialValue(element)
                    .orElseGet(() -> new io.debezium.data.SpecialValueDecimal(new java.math.BigDecimal(element))));
        }
        return elements;
    }

    /** A NUL-terminated UTF-8 string of the protocol. */
    private static String string(ByteBuffer buffer) {
        int start = buffer.position();
        int end = start;
        while (buffer.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - start];
        buffer.get(bytes);
        buffer.get(); // the NUL
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
