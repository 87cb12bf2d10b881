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
package org.audittrail.browser.query;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * A record's whole story and its state at a moment, and a table's: the history SQL functions of the destination
 * (changes_record_history, changes_record_at, changes_table_at), read with the viewer's scope of a {@link ChangeStore}.
 */
public final class RecordStore {
    private final ChangeStore store;

    RecordStore(ChangeStore store) {
        this.store = store;
    }

    /** A record as it was at {@code asOf} (changes_record_at): its row, or null where it did not exist then. */
    public State recordAt(Record record, OffsetDateTime asOf) {
        if (!store.scope().allows(record.schema(), record.table())) {
            return null;
        }
        List<State> found = store.run(
                "SELECT r.\"primary_key\", r.\"after\", r.\"changed_at\", r.\"change_id\""
                        + " FROM changes_record_at(?, ?, ?, ?, ?) r",
                List.of(record.table(), record.key(), asOf, record.schema(), record.database()),
                this::states);
        return found.isEmpty() ? null : found.get(0);
    }

    /**
     * A table's records as they were at {@code asOf}, by key, after {@code afterKey}: the next {@code size + 1} keys the
     * trail knows, each with its row then, or a null row where it did not exist then (changes_table_at, a page at a
     * time).
     */
    public List<State> tableAt(Record table, OffsetDateTime asOf, String afterKey, int size) {
        if (!store.scope().allows(table.schema(), table.table())) {
            return List.of();
        }
        // the next keys by the record index, each as changes_record_at has it: a first page reads only its own records
        return store.run(
                "SELECT k.\"primary_key\", r.\"after\", r.\"changed_at\", r.\"change_id\" FROM (SELECT DISTINCT"
                        + " \"primary_key\" FROM changes WHERE \"table\" = ? AND \"schema\" = ? AND \"database\" = ?"
                        + " AND \"primary_key\" > ? AND \"committed_at\" <= ? ORDER BY \"primary_key\" LIMIT "
                        + (size + 1)
                        + ") k LEFT JOIN LATERAL changes_record_at(?, k.\"primary_key\", ?, ?, ?) r ON true"
                        + " ORDER BY k.\"primary_key\"",
                List.of(
                        table.table(),
                        table.schema(),
                        table.database(),
                        afterKey == null ? "" : afterKey,
                        asOf,
                        table.table(),
                        asOf,
                        table.schema(),
                        table.database()),
                this::states);
    }

    private List<State> states(ResultSet rs) throws SQLException {
        List<State> states = new ArrayList<>();
        while (rs.next()) {
            states.add(new State(
                    rs.getString(1),
                    rs.getString(2) == null ? null : store.scope().mask(ChangeStore.json(rs.getString(2))),
                    rs.getObject(3, OffsetDateTime.class),
                    rs.getString(4)));
        }
        return states;
    }

    /** How many changes touched the rows of {@code changes} after the newest of them, per row, summed. */
    public long laterChanges(List<Change> changes) {
        java.util.Map<Record, Change> newest = new java.util.LinkedHashMap<>();
        for (Change c : changes) {
            if (c.record().key() != null) {
                newest.merge(
                        c.record(),
                        c,
                        (a, b) -> b.committedAt().isAfter(a.committedAt())
                                        || (b.committedAt().isEqual(a.committedAt()) && b.position() > a.position())
                                ? b
                                : a);
            }
        }
        long later = 0;
        for (Change c : newest.values()) {
            later += store.run(
                    "SELECT count(*) FROM changes WHERE \"table\" = ? AND \"primary_key\" = ? AND \"schema\" = ?"
                            + " AND \"database\" = ? AND \"committed_at\" >= ?"
                            + " AND (\"committed_at\", \"position\") > (?, ?)",
                    List.of(
                            c.record().table(),
                            c.record().key(),
                            c.record().schema(),
                            c.record().database(),
                            c.committedAt(),
                            c.committedAt(),
                            c.position()),
                    rs -> {
                        rs.next();
                        return rs.getLong(1);
                    });
        }
        return later;
    }

    /** A record's changes, oldest first, TRUNCATEs of its table that emptied it included (changes_record_history). */
    public List<Change> history(Record record) {
        if (!store.scope().allows(record.schema(), record.table())) {
            return List.of();
        }
        String text = "SELECT h.\"change_id\" AS \"id\", ?::varchar AS \"database\", ?::varchar AS \"schema\","
                + " ?::varchar AS \"table\", CASE WHEN h.\"operation\" = 'TRUNCATE' THEN NULL ELSE ?::varchar END AS \"primary_key\","
                + " h.\"operation\", coalesce((SELECT jsonb_object_agg(k, v -> 'before') FROM jsonb_each(h.\"changed\") c(k, v) WHERE v -> 'before' IS NOT NULL), '{}') AS \"before\","
                + " coalesce((SELECT jsonb_object_agg(k, v -> 'after') FROM jsonb_each(h.\"changed\") c(k, v) WHERE v -> 'after' IS NOT NULL), '{}') AS \"after\","
                + " h.\"context\", h.\"committed_at\", h.\"transaction_id\", h.\"position\", false AS \"partial\","
                + " h.\"previous_key\", h.\"next_key\""
                + " FROM changes_record_history(?, ?, '-infinity', 'infinity', ?, ?) h ORDER BY h.\"committed_at\", h.\"position\"";
        return store.runPlannedOnce(
                text,
                List.of(
                        record.database(),
                        record.schema(),
                        record.table(),
                        record.key(),
                        record.table(),
                        record.key(),
                        record.schema(),
                        record.database()),
                store::changes);
    }

    /** The keys a record had before and after a key change, as changes_record_history names them. */
    public List<String> linkedKeys(Record record) {
        if (!store.scope().allows(record.schema(), record.table())) {
            return List.of();
        }
        String text =
                "SELECT coalesce(h.\"previous_key\", h.\"next_key\") FROM changes_record_history(?, ?, '-infinity', 'infinity', ?, ?) h"
                        + " WHERE h.\"previous_key\" IS NOT NULL OR h.\"next_key\" IS NOT NULL";
        return store.runPlannedOnce(
                text, List.of(record.table(), record.key(), record.schema(), record.database()), rs -> {
                    List<String> keys = new ArrayList<>();
                    while (rs.next()) {
                        keys.add(rs.getString(1));
                    }
                    return keys;
                });
    }
}
