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
package org.audittrail.job.undo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * What the undo command reverts (docs/query.md#undo): one change, one transaction, what one context value did, or a
 * record or a table back to a moment. The destination's SQL functions write the revert; this names which one and binds
 * it.
 */
public record UndoRequest(
        Kind kind,
        String database,
        UUID change,
        long transaction,
        String context,
        String schema,
        String table,
        String key,
        OffsetDateTime asOf,
        boolean apply) {

    /** What is reverted. */
    public enum Kind {
        CHANGE,
        TRANSACTION,
        CONTEXT,
        RECORD,
        TABLE
    }

    /** One change, by its id. */
    public static UndoRequest change(String database, UUID change, boolean apply) {
        return new UndoRequest(Kind.CHANGE, database, change, 0, null, null, null, null, null, apply);
    }

    /** One transaction of {@code database}. */
    public static UndoRequest transaction(String database, long transaction, boolean apply) {
        return new UndoRequest(Kind.TRANSACTION, database, null, transaction, null, null, null, null, null, apply);
    }

    /** Every change whose context contains {@code context} (a JSON object). */
    public static UndoRequest context(String database, String context, boolean apply) {
        return new UndoRequest(Kind.CONTEXT, database, null, 0, context, null, null, null, null, apply);
    }

    /** A record ({@code key}) or, with a null key, every record of a table, back to {@code asOf}. */
    public static UndoRequest restore(
            String database, String schema, String table, String key, OffsetDateTime asOf, boolean apply) {
        return new UndoRequest(
                key == null ? Kind.TABLE : Kind.RECORD, database, null, 0, null, schema, table, key, asOf, apply);
    }

    /** The revert's SQL, written by the destination's functions on {@code destination}. */
    public String sql(Connection destination) throws SQLException {
        String call =
                switch (kind) {
                    case CHANGE -> "SELECT changes_revert_sql(ARRAY[?::uuid], 'change ' || ?)";
                    case TRANSACTION -> "SELECT changes_revert_transaction_sql(?, ?)";
                    case CONTEXT -> "SELECT changes_revert_context_sql(?::jsonb)";
                    case RECORD -> "SELECT changes_restore_record_sql(?, ?, ?, ?, ?)";
                    case TABLE -> "SELECT changes_restore_table_sql(?, ?, ?, ?)";
                };
        try (PreparedStatement s = destination.prepareStatement(call)) {
            switch (kind) {
                case CHANGE -> {
                    s.setString(1, change.toString());
                    s.setString(2, change.toString());
                }
                case TRANSACTION -> {
                    s.setString(1, database);
                    s.setLong(2, transaction);
                }
                case CONTEXT -> s.setString(1, context);
                case RECORD -> {
                    s.setString(1, table);
                    s.setString(2, key);
                    s.setObject(3, asOf);
                    s.setString(4, schema);
                    s.setString(5, database);
                }
                case TABLE -> {
                    s.setString(1, table);
                    s.setObject(2, asOf);
                    s.setString(3, schema);
                    s.setString(4, database);
                }
            }
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getString(1);
            }
        }
    }

    /** Runs {@code sql}, a revert, on {@code source}: its own BEGIN and COMMIT make it one transaction. */
    public static void apply(Connection source, String sql) throws SQLException {
        source.setAutoCommit(true);
        try (var s = source.createStatement()) {
            s.execute(sql);
        }
    }
}
