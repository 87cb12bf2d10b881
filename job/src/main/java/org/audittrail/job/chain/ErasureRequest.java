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
package org.audittrail.job.chain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.TreeSet;
import org.audittrail.udf.chain.Erasure;
import org.audittrail.udf.values.Json;

/**
 * One erasure, as the erase command was asked for it (docs/erasure.md): whose data (a record, by table and key, or
 * every change with a context value), which values, why and by whom.
 *
 * @param database the source database whose changes are erased
 * @param schema the record's schema, or null for a context subject
 * @param table the record's table, or null for a context subject
 * @param key the record's primary key as {@code changes} stores it, or null for a context subject
 * @param contextKey the context key of a context subject, or null for a record
 * @param contextValue its value, compared as text and, where it reads as one, as a JSON number or boolean
 * @param scope the columns and context keys erased
 */
public record ErasureRequest(
        String database,
        String schema,
        String table,
        String key,
        String contextKey,
        String contextValue,
        Erasure.Scope scope,
        String reason,
        String erasedBy,
        boolean dryRun) {

    /** A record subject: table and key. */
    public static ErasureRequest record(
            String database,
            String schema,
            String table,
            String key,
            List<String> columns,
            List<String> contextKeys,
            String reason,
            String erasedBy,
            boolean dryRun) {
        return new ErasureRequest(
                database, schema, table, key, null, null, scope(columns, contextKeys), reason, erasedBy, dryRun);
    }

    /** A context subject: every change whose context has {@code key} = {@code value}, that context value included. */
    public static ErasureRequest context(
            String database,
            String key,
            String value,
            List<String> columns,
            List<String> contextKeys,
            String reason,
            String erasedBy,
            boolean dryRun) {
        List<String> keys = new java.util.ArrayList<>(contextKeys);
        keys.add(key);
        return new ErasureRequest(
                database, null, null, null, key, value, scope(columns, keys), reason, erasedBy, dryRun);
    }

    public boolean isRecord() {
        return table != null;
    }

    /** The subject as the receipt names it. */
    public JsonNode subject() {
        ObjectNode subject = Json.object().put("database", database);
        if (isRecord()) {
            return subject.put("schema", schema).put("table", table).put("key", key);
        }
        subject.putObject("context").put(contextKey, contextValue);
        return subject;
    }

    /** The scope as the receipt names it: {@code "columns": "all"} or a list, and the context keys. */
    public JsonNode scopeJson() {
        ObjectNode out = Json.object();
        if (scope.columns() == null) {
            out.put("columns", "all");
        } else {
            ArrayNode columns = out.putArray("columns");
            new TreeSet<>(scope.columns()).forEach(columns::add);
        }
        ArrayNode keys = out.putArray("context_keys");
        new TreeSet<>(scope.contextKeys()).forEach(keys::add);
        out.put("context_values_holding_erased_text", true);
        return out;
    }

    /** The subject in words, for the command's lines: names no value but the key or context value given. */
    public String describe() {
        return (isRecord() ? schema + "." + table + " key " + key : "context " + contextKey + "=" + contextValue)
                + " in database " + database;
    }

    private static Erasure.Scope scope(List<String> columns, List<String> contextKeys) {
        return new Erasure.Scope(
                columns == null || columns.isEmpty() ? null : java.util.Set.copyOf(columns),
                java.util.Set.copyOf(contextKeys));
    }
}
