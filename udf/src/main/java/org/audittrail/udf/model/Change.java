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
package org.audittrail.udf.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * One event read from the WAL: a row change, or a {@code _bemi} context message (operation MESSAGE,
 * its JSON in {@link #context}).
 *
 * <p>A Flink POJO with JSON kept as text, so state and network use Flink's own serializers, never Kryo.
 */
public class Change {
    /** Database name where the changed row lives. */
    public String database;
    /** Schema name of the changed row's table. */
    public String schema;
    /** Table name of the changed row. */
    public String table;
    /** Text form of the row's primary key, or null where the table has none. */
    public String primaryKey;
    /** CREATE, UPDATE, DELETE, TRUNCATE, or MESSAGE for a context message. */
    public Operation operation;
    /** Row image before the change as a JSON object; {@code {}} for CREATE. */
    public String before;
    /** Row image after the change as a JSON object; {@code {}} for DELETE. */
    public String after;
    /**
     * Application context as a JSON object; {@code {}} without one. Of a context message or a row message that carries
     * one, the text as sent, which the stitcher reads; null for a row message without.
     */
    public String context;
    /** Commit time of the transaction, microseconds since the epoch. */
    public long committedAt;
    /** When the job read the change from the WAL, microseconds since the epoch. */
    public long queuedAt;
    /** PostgreSQL transaction id. */
    public long transactionId;
    /** WAL position (LSN) of the change. */
    public long position;
    /** WAL position (LSN) of its transaction's commit, the hash chain's order; 0 where unknown (a baseline row). */
    public long commitPosition;
    /**
     * The columns whose value is stored in a fallback form (docs/values.md, "Fallback form"), {@link #CONTEXT_COLUMN}
     * for the context; null when none, so the common case costs one null check.
     */
    public String[] fallbackColumns;
    /**
     * True when {@link #before} or {@link #after} lacks a column the row has because the WAL did not carry its value (a
     * table whose replica identity is not FULL: the old row's non-key columns, an UPDATE's old row, an unchanged TOASTed
     * value); such a column is left out of the image, never stored as null (docs/values.md, "Partial images").
     */
    public boolean partial;
    /** Place in its database's hash chain, from 1; 0 where the job does not chain (docs/tamper-evidence.md). */
    public long chainSequence;
    /** Its link in the hash chain, SHA-256 in hex; null where the job does not chain. */
    public String chainHash;

    /** The entry of {@link #fallbackColumns} that stands for the context. */
    public static final String CONTEXT_COLUMN = "(context)";

    public Change() {}

    /** Notes that {@code column}'s value is stored in a fallback form. */
    public void markFallback(String column) {
        if (fallbackColumns == null) {
            fallbackColumns = new String[] {column};
        } else if (!Arrays.asList(fallbackColumns).contains(column)) {
            fallbackColumns = Arrays.copyOf(fallbackColumns, fallbackColumns.length + 1);
            fallbackColumns[fallbackColumns.length - 1] = column;
        }
    }

    /** Notes that {@code column}'s value is no longer in a fallback form (the privacy policy replaced it). */
    public void unmarkFallback(String column) {
        if (fallbackColumns != null && Arrays.asList(fallbackColumns).contains(column)) {
            String[] rest = Arrays.stream(fallbackColumns)
                    .filter(c -> !c.equals(column))
                    .toArray(String[]::new);
            fallbackColumns = rest.length == 0 ? null : rest;
        }
    }

    /** A WAL position as PostgreSQL writes an LSN ({@code 16/B374D848}). */
    public static String lsn(long position) {
        return Long.toHexString(position >>> 32).toUpperCase() + "/"
                + Long.toHexString(position & 0xFFFFFFFFL).toUpperCase();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Change)) {
            return false;
        }
        Change c = (Change) o;
        return committedAt == c.committedAt
                && queuedAt == c.queuedAt
                && transactionId == c.transactionId
                && position == c.position
                && commitPosition == c.commitPosition
                && Objects.equals(database, c.database)
                && Objects.equals(schema, c.schema)
                && Objects.equals(table, c.table)
                && Objects.equals(primaryKey, c.primaryKey)
                && operation == c.operation
                && Objects.equals(before, c.before)
                && Objects.equals(after, c.after)
                && Objects.equals(context, c.context)
                && Arrays.equals(fallbackColumns, c.fallbackColumns)
                && partial == c.partial
                && chainSequence == c.chainSequence
                && Objects.equals(chainHash, c.chainHash);
    }

    @Override
    public int hashCode() {
        return Objects.hash(database, schema, table, primaryKey, operation, transactionId, position);
    }

    @Override
    public String toString() {
        // row images and context stay out: they may hold personal data and end up in logs
        return operation + " " + schema + "." + table + " pk=" + primaryKey + " tx=" + transactionId + " lsn="
                + position;
    }
}
