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
package org.audittrail.job.source.decoding;

import io.debezium.connector.postgresql.PostgresStreamingChangeEventSource.PgConnectionSupplier;
import io.debezium.connector.postgresql.PostgresType;
import io.debezium.connector.postgresql.TypeRegistry;
import io.debezium.connector.postgresql.connection.AbstractReplicationMessageColumn;
import io.debezium.connector.postgresql.connection.MessageDecoderContext;
import io.debezium.connector.postgresql.connection.PostgresConnection;
import io.debezium.connector.postgresql.connection.ReplicationMessage;
import io.debezium.connector.postgresql.connection.ReplicationMessage.NoopMessage;
import io.debezium.connector.postgresql.connection.ReplicationMessage.Operation;
import io.debezium.connector.postgresql.connection.ReplicationStream.ReplicationMessageProcessor;
import io.debezium.connector.postgresql.connection.pgoutput.PgOutputMessageDecoder;
import io.debezium.connector.postgresql.connection.pgoutput.PgOutputReplicationMessage;
import io.debezium.relational.Column;
import io.debezium.relational.ColumnEditor;
import io.debezium.relational.Table;
import io.debezium.relational.TableId;
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
import org.audittrail.udf.functions.RowImage;
import org.audittrail.udf.values.PgText;
import org.audittrail.udf.values.ValueForm;
import org.postgresql.replication.fluent.logical.ChainedLogicalStreamBuilder;

/**
 * Debezium's pgoutput decoder with its faults worked around and its value conversions replaced; the rest of the protocol
 * is Debezium's.
 *
 * <ul>
 *   <li>Relation names are read as UTF-8 (Debezium reads one char per byte, mangling non-ASCII names).</li>
 *   <li>A relation's columns and key are read by its OID; Debezium looks them up by name as a LIKE pattern, so
 *       {@code x_y} also matched {@code "x y"} and failed with {@code Duplicate key}. The key of a table dropped
 *       since is its schema history's ({@link DroppedTableKeys}); Debezium found none.</li>
 *   <li>Every value's text is turned into the JSON {@code to_jsonb} writes for it ({@link PgText}, forms from the
 *       catalog by {@link ValueForms}), money into a plain decimal from its text in lc_monetary C, which the job's
 *       source connections ask for (DebeziumProperties); Debezium's conversions lost values (numeric infinities, timestamps beyond
 *       294247, timetz 24:00, multi-dimensional arrays) and differed from to_jsonb (intervals, money, timestamptz).</li>
 *   <li>The replication stream never confirms a position by itself (pgjdbc's automatic flush confirms the
 *       server's WAL end on keepalives): the slot moves only to positions the job confirmed at a completed
 *       checkpoint, so a slot ahead of a restored position always means changes the restored state does not know.</li>
 * </ul>
 */
public class PgOutputDecoder extends PgOutputMessageDecoder {

    private static final Instant PG_EPOCH =
            LocalDate.of(2000, 1, 1).atStartOfDay().toInstant(ZoneOffset.UTC);

    /**
     * Each column: nullability, position in the primary key (else the first unique index, as Debezium falls back). No
     * default: the job never uses one, and a converted default would not fit the JSON text schema.
     */
    private static final String COLUMNS = "SELECT a.attname, a.attnotnull,"
            + " coalesce(array_position(k.columns, a.attnum) + 1 - array_lower(k.columns, 1), 0) AS key_position"
            + " FROM pg_attribute a"
            + " LEFT JOIN LATERAL (SELECT i.indkey::int2[] AS columns FROM pg_index i WHERE i.indrelid = a.attrelid"
            + "   AND (i.indisprimary OR (i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL))"
            + "   ORDER BY i.indisprimary DESC, i.indexrelid LIMIT 1) k ON true"
            + " WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped";

    private final MessageDecoderContext context;
    private final PostgresConnection connection;
    /** Each relation's column forms, by relation OID, from its latest relation message. */
    private final Map<Integer, List<ValueForm>> forms = new HashMap<>();
    /** Each relation's replica identity columns (flagged key in its latest relation message), by relation OID. */
    private final Map<Integer, boolean[]> identities = new HashMap<>();

    /** The key of a relation the catalog no longer has. */
    private final DroppedTableKeys droppedTableKeys;

    private Instant commitTimestamp;
    private Long transactionId;

    public PgOutputDecoder(
            MessageDecoderContext context, PostgresConnection connection, DroppedTableKeys droppedTableKeys) {
        super(context, connection);
        this.context = context;
        this.connection = connection;
        this.droppedTableKeys = droppedTableKeys;
    }

    @Override
    public ChainedLogicalStreamBuilder optionsWithMetadata(
            ChainedLogicalStreamBuilder builder, Function<Integer, Boolean> hasMinimumServerVersion) {
        return super.optionsWithMetadata(builder, hasMinimumServerVersion).withAutomaticFlush(false);
    }

    @Override
    public ChainedLogicalStreamBuilder optionsWithoutMetadata(
            ChainedLogicalStreamBuilder builder, Function<Integer, Boolean> hasMinimumServerVersion) {
        return super.optionsWithoutMetadata(builder, hasMinimumServerVersion).withAutomaticFlush(false);
    }

    @Override
    public void processNotEmptyMessage(ByteBuffer buffer, ReplicationMessageProcessor processor, TypeRegistry types)
            throws SQLException, InterruptedException {
        int start = buffer.position();
        char type = (char) buffer.get();
        switch (type) {
            case 'B' -> {
                long commitLsn = buffer.getLong(); // final LSN of the transaction
                commitTimestamp = PG_EPOCH.plus(buffer.getLong(), ChronoUnit.MICROS);
                transactionId = Integer.toUnsignedLong(buffer.getInt());
                CommitPositions.put(context.getConfig().getJdbcConfig(), transactionId, commitLsn);
                buffer.position(start);
                super.processNotEmptyMessage(buffer, processor, types);
            }
            case 'R' -> relation(buffer, types);
            case 'M' -> {
                droppedTableKeys.message(buffer);
                buffer.position(start);
                super.processNotEmptyMessage(buffer, processor, types);
            }
            case 'I' -> {
                int relationId = buffer.getInt();
                Optional<Table> table = table(relationId);
                buffer.get(); // 'N'
                row(
                        processor,
                        Operation.INSERT,
                        table,
                        null,
                        table.isPresent() ? tuple(buffer, types, table.get(), relationId, 'N', null) : null);
            }
            case 'U' -> {
                int relationId = buffer.getInt();
                Optional<Table> table = table(relationId);
                // without an old tuple (replica identity not FULL, key unchanged) Debezium's before is null: partial
                List<ReplicationMessage.Column> old = null;
                char tuple = (char) buffer.get();
                if (tuple == 'O' || tuple == 'K') {
                    old = table.isPresent() ? tuple(buffer, types, table.get(), relationId, tuple, null) : null;
                    buffer.get(); // 'N'
                }
                row(
                        processor,
                        Operation.UPDATE,
                        table,
                        old,
                        table.isPresent() ? tuple(buffer, types, table.get(), relationId, 'N', old) : null);
            }
            case 'D' -> {
                int relationId = buffer.getInt();
                Optional<Table> table = table(relationId);
                char tuple = (char) buffer.get(); // 'O' or 'K'
                row(
                        processor,
                        Operation.DELETE,
                        table,
                        table.isPresent() ? tuple(buffer, types, table.get(), relationId, tuple, null) : null,
                        null);
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

    private void row(
            ReplicationMessageProcessor processor,
            Operation operation,
            Optional<Table> table,
            List<ReplicationMessage.Column> old,
            List<ReplicationMessage.Column> columns)
            throws SQLException, InterruptedException {
        if (table.isEmpty()) {
            processor.process(new NoopMessage(transactionId, commitTimestamp)); // a table the schema filters out
        } else {
            processor.process(new PgOutputReplicationMessage(
                    operation, table.get().id().toDoubleQuotedString(), commitTimestamp, transactionId, old, columns));
        }
    }

    /** A relation message: the table's schema, with names, key and nullability read from the catalog by OID. */
    private void relation(ByteBuffer buffer, TypeRegistry types) throws SQLException {
        int relationId = buffer.getInt();
        TableId id = new TableId(null, string(buffer), string(buffer));
        buffer.get(); // replica identity
        short count = buffer.getShort();
        Map<String, Attribute> attributes = attributes(relationId);
        if (attributes.isEmpty()) {
            // a table dropped since: its key as its schema history recorded it
            List<String> key = droppedTableKeys.of(Integer.toUnsignedLong(relationId));
            for (int i = 0; i < key.size(); i++) {
                attributes.put(key.get(i), new Attribute(true, i + 1));
            }
        }
        List<Column> columns = new ArrayList<>(count);
        List<Integer> typeOids = new ArrayList<>(count);
        Map<Integer, String> key = new java.util.TreeMap<>();
        boolean[] identity = new boolean[count];
        for (int i = 0; i < count; i++) {
            // flags: 1 where part of the replica identity (every column under FULL), the columns of a 'K' old tuple
            identity[i] = (buffer.get() & 1) != 0;
            String name = string(buffer);
            int typeOid = buffer.getInt();
            typeOids.add(typeOid);
            PostgresType type = types.get(typeOid);
            int modifier = buffer.getInt();
            Attribute attribute = attributes.getOrDefault(name, new Attribute(true, 0));
            if (attribute.keyPosition() > 0) {
                key.put(attribute.keyPosition(), name);
            }
            columns.add(column(name, type, modifier, attribute));
        }
        Table table = Table.editor()
                .tableId(id)
                .addColumns(columns)
                .setPrimaryKeyNames(new ArrayList<>(key.values()))
                .create();
        forms.put(relationId, forms(typeOids));
        identities.put(relationId, identity);
        context.getSchema().applySchemaChangesForTable(relationId, table);
    }

    /** How to_jsonb writes each column's values, read from the catalog at each relation message (types may change). */
    private List<ValueForm> forms(List<Integer> typeOids) throws SQLException {
        Connection c = connection.connection();
        Map<Long, ValueForm> cache = new HashMap<>();
        List<ValueForm> result = new ArrayList<>(typeOids.size());
        for (int oid : typeOids) {
            result.add(ValueForms.resolve(c, Integer.toUnsignedLong(oid), cache));
        }
        if (!c.getAutoCommit()) {
            c.commit(); // never hold a snapshot open on the metadata connection
        }
        return result;
    }

    private static Column column(String name, PostgresType type, int modifier, Attribute attribute) {
        int length = type.getDefaultLength();
        int scale = type.getDefaultScale();
        if (modifier != TypeRegistry.NO_TYPE_MODIFIER && type.getTypeInfo() != null) {
            length = type.getTypeInfo().getPrecision(type.getOid(), modifier);
            scale = type.getTypeInfo().getScale(type.getOid(), modifier);
        }
        String expression = length == type.getDefaultLength() && scale == 0
                ? type.getName()
                : type.getName() + "(" + length + "," + scale + ")";
        ColumnEditor editor = Column.editor()
                .name(name)
                .jdbcType(type.getRootType().getJdbcId())
                .nativeType(type.getRootType().getOid())
                .optional(attribute.optional())
                .type(type.getName(), expression)
                .length(length)
                .scale(scale);
        return editor.create();
    }

    private record Attribute(boolean optional, int keyPosition) {}

    private Map<String, Attribute> attributes(int relationId) throws SQLException {
        Map<String, Attribute> attributes = new HashMap<>();
        Connection c = connection.connection();
        try (PreparedStatement s = c.prepareStatement(COLUMNS)) {
            s.setLong(1, Integer.toUnsignedLong(relationId));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    attributes.put(rs.getString(1), new Attribute(!rs.getBoolean(2), rs.getInt(3)));
                }
            }
        }
        if (!c.getAutoCommit()) {
            c.commit(); // never hold a snapshot open on the metadata connection
        }
        return attributes;
    }

    /**
     * A tuple's columns, in the table's order, each value already the JSON {@code to_jsonb} writes for it (or its
     * fallback form), which {@link JsonTextConverter} passes through Debezium untouched. A value the WAL does not carry
     * is {@link RowImage#ABSENT}, never null: in a key-only old tuple ({@code kind} 'K', replica identity DEFAULT or
     * USING INDEX) each column outside the replica identity (sent as 'n', as a NULL is), and an unchanged TOASTed value
     * ('u') that {@code old} (the old tuple of the same UPDATE, if any) does not hold either.
     */
    private List<ReplicationMessage.Column> tuple(
            ByteBuffer buffer,
            TypeRegistry types,
            Table table,
            int relationId,
            char kind,
            List<ReplicationMessage.Column> old) {
        List<ValueForm> forms = this.forms.get(relationId);
        boolean[] identity = kind == 'K' ? identities.get(relationId) : null;
        short count = buffer.getShort();
        List<ReplicationMessage.Column> columns = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Column column = table.columns().get(i);
            String name = column.name();
            PostgresType type = types.get(column.typeName());
            String expression = column.typeExpression();
            char value = (char) buffer.get();
            String json;
            if (value == 't') {
                byte[] bytes = new byte[buffer.getInt()];
                buffer.get(bytes);
                String text = new String(bytes, StandardCharsets.UTF_8);
                ValueForm form = forms != null && i < forms.size() ? forms.get(i) : ValueForm.UNKNOWN_CAST;
                json = PgText.json(form, text);
            } else if (value == 'u') {
                Object known = old != null && i < old.size() ? old.get(i).getValue(null, false) : null;
                // unchanged: the old tuple's value where it has one (FULL), else one the WAL did not carry
                json = known instanceof String text ? text : RowImage.ABSENT;
            } else if (kind == 'K' && (identity == null || i >= identity.length || !identity[i])) {
                json = RowImage.ABSENT; // not in the replica identity: 'n' says nothing of its value
            } else {
                json = null; // a NULL
            }
            boolean optional = value == 'n' || column.isOptional();
            columns.add(new AbstractReplicationMessageColumn(name, type, expression, optional, true) {
                @Override
                public Object getValue(PgConnectionSupplier connection, boolean includeUnknownDatatypes) {
                    return json;
                }
            });
        }
        return columns;
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
