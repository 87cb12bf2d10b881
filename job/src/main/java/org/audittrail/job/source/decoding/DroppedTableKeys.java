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

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.audittrail.udf.functions.ChangeDeserializer;
import org.audittrail.udf.values.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key columns of a table the catalog no longer has: one dropped before the job read its changes. The catalog
 * knows a table's key only while it exists; its schema history recorded it at each DDL (source-setup.sql's
 * {@code _audit_trail_columns}): here from the schema messages read from the WAL so far, else from what the
 * destination stored of them ({@code schema_changes}), which holds the key of every table tracked before.
 */
public final class DroppedTableKeys {

    private static final Logger LOG = LoggerFactory.getLogger(DroppedTableKeys.class);

    /** Relations remembered from the WAL: far more than a stream has dropped tables in flight. */
    static final int KEPT = 10_000;

    /** The key columns the destination's schema history recorded last for a relation; empty where it has none. */
    public interface Stored {
        List<String> key(long relation) throws SQLException;
    }

    private static final byte[] SCHEMA_PREFIX = ChangeDeserializer.SCHEMA_PREFIX.getBytes(StandardCharsets.UTF_8);

    private final Stored stored;
    private final Map<Long, List<String>> seen = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, List<String>> eldest) {
            return size() > KEPT;
        }
    };

    public DroppedTableKeys(Stored stored) {
        this.stored = stored;
    }

    /** Reads a pgoutput logical message ('M', {@code buffer} after its type): the key a schema message records. */
    void message(ByteBuffer buffer) {
        buffer.get(); // flags
        buffer.getLong(); // LSN
        int start = buffer.position();
        int end = start;
        while (buffer.get(end) != 0) {
            end++;
        }
        if (!isSchemaPrefix(buffer, start, end)) {
            return; // a context message, one per row: read no further
        }
        buffer.position(end + 1);
        byte[] content = new byte[buffer.getInt()];
        buffer.get(content);
        String text = new String(content, StandardCharsets.UTF_8);
        int context = text.indexOf('\n'); // the statement's Bemi context follows the message's first line
        try {
            JsonNode schema = Json.parse(context < 0 ? text : text.substring(0, context));
            List<String> key = keyOf(schema.path("columns"));
            if (!key.isEmpty()) {
                seen.put(schema.path("relation").asLong(), key);
            }
        } catch (Exception e) {
            LOG.warn(
                    "A schema history message could not be read for its table's key ({})",
                    e.getClass().getSimpleName());
        }
    }

    private static boolean isSchemaPrefix(ByteBuffer buffer, int start, int end) {
        if (end - start != SCHEMA_PREFIX.length) {
            return false;
        }
        for (int i = 0; i < SCHEMA_PREFIX.length; i++) {
            if (buffer.get(start + i) != SCHEMA_PREFIX[i]) {
                return false;
            }
        }
        return true;
    }

    /** The key columns of {@code relation}, in key order, as recorded last; empty where none was recorded. */
    List<String> of(long relation) {
        List<String> key = seen.get(relation);
        if (key != null) {
            return key;
        }
        try {
            return stored.key(relation);
        } catch (SQLException e) {
            LOG.warn(
                    "The key of dropped table {} could not be read from schema_changes ({}): its changes are stored"
                            + " without a primary key",
                    relation,
                    e.getSQLState());
            return List.of();
        }
    }

    /** The key of a schema history's column list ({@code schema_changes.columns}); empty if it is not one. */
    public static List<String> keyOf(String columns) {
        try {
            return keyOf(Json.parse(columns));
        } catch (Exception e) {
            LOG.warn(
                    "A column list of schema_changes could not be read for its key ({})",
                    e.getClass().getSimpleName());
            return List.of();
        }
    }

    /** The names of the columns of a schema history's column list that carry a key place, in that order. */
    static List<String> keyOf(JsonNode columns) {
        Map<Integer, String> key = new TreeMap<>();
        for (JsonNode column : columns) {
            if (column.has("key")) {
                key.put(column.get("key").asInt(), column.path("name").asText());
            }
        }
        return new ArrayList<>(key.values());
    }
}
