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
package org.audittrail.job.config;

import static org.audittrail.job.config.Options.*;

import org.audittrail.job.chain.ErasureRequest;
import org.audittrail.job.undo.UndoRequest;

/** The requests of the erase and undo commands, and the moments of verify's range, each checked once from its options. */
final class Requests {

    private Requests() {}

    /** The undo command's request, checked once; null where no undo option is given. */
    static UndoRequest undo(OptionValues values) {
        String change = values.text(UNDO_CHANGE);
        String transaction = values.text(UNDO_TRANSACTION);
        String context = values.text(UNDO_CONTEXT);
        String record = values.text(UNDO_RECORD);
        long given = java.util.stream.Stream.of(change, transaction, context, record)
                .filter(java.util.Objects::nonNull)
                .count();
        if (given == 0) {
            if (values.text(UNDO_KEY) != null || values.text(UNDO_AS_OF) != null || values.flag(APPLY)) {
                throw new IllegalArgumentException("Name what to undo: " + UNDO_CHANGE.name() + ", "
                        + UNDO_TRANSACTION.name() + ", " + UNDO_CONTEXT.name() + " or " + UNDO_RECORD.name());
            }
            return null;
        }
        if (given > 1) {
            throw new IllegalArgumentException("Name one thing to undo: one of " + UNDO_CHANGE.name() + ", "
                    + UNDO_TRANSACTION.name() + ", " + UNDO_CONTEXT.name() + " and " + UNDO_RECORD.name());
        }
        String database = values.text(DB_NAME);
        boolean apply = values.flag(APPLY);
        if (change != null) {
            try {
                return UndoRequest.change(database, java.util.UUID.fromString(change.strip()), apply);
            } catch (IllegalArgumentException e) {
                throw JobConfig.refused(values.given(UNDO_CHANGE), "a change's id, a UUID");
            }
        }
        if (transaction != null) {
            return UndoRequest.transaction(
                    database,
                    JobConfig.number(
                            values, UNDO_TRANSACTION, 1, Long.MAX_VALUE, "a transaction id, a positive number"),
                    apply);
        }
        if (context != null) {
            if (!context.strip().startsWith("{")) {
                throw JobConfig.refused(values.given(UNDO_CONTEXT), "a JSON object, '{\"request_id\": \"r-42\"}'");
            }
            return UndoRequest.context(database, context, apply);
        }
        java.time.OffsetDateTime asOf = time(values, UNDO_AS_OF);
        if (asOf == null) {
            throw new IllegalArgumentException(UNDO_RECORD.name() + " restores to a moment: give " + UNDO_AS_OF.name());
        }
        int dot = record.lastIndexOf('.');
        return UndoRequest.restore(
                database,
                dot < 0 ? "public" : record.substring(0, dot),
                dot < 0 ? record : record.substring(dot + 1),
                values.text(UNDO_KEY),
                asOf,
                apply);
    }

    /** A moment given as ISO-8601 with an offset, or null where not given. */
    static java.time.OffsetDateTime time(OptionValues values, Option option) {
        if (values.text(option) == null) {
            return null;
        }
        try {
            return java.time.OffsetDateTime.parse(values.text(option).strip());
        } catch (java.time.format.DateTimeParseException e) {
            throw JobConfig.refused(values.given(option), "an ISO-8601 time with an offset, 2026-12-01T00:00:00Z");
        }
    }

    static boolean erasing(OptionValues values) {
        return values.text(ERASE_REASON) != null
                || values.text(ERASE_TABLE) != null
                || values.text(ERASE_KEY) != null
                || values.text(ERASE_CONTEXT) != null;
    }

    /** The erase command's request, checked once; null where no erase option is given. */
    static ErasureRequest erasure(OptionValues values) {
        if (!erasing(values)) {
            return null;
        }
        String table = values.text(ERASE_TABLE);
        String key = values.text(ERASE_KEY);
        String context = values.text(ERASE_CONTEXT);
        String reason = values.text(ERASE_REASON);
        if ((table == null) != (key == null)) {
            throw new IllegalArgumentException(ERASE_TABLE.name() + " and " + ERASE_KEY.name()
                    + " name a record together: give both (or " + ERASE_CONTEXT.name() + " instead)");
        }
        if ((table == null) == (context == null)) {
            throw new IllegalArgumentException("Name one subject to erase: a record (" + ERASE_TABLE.name() + " and "
                    + ERASE_KEY.name() + ") or a context value (" + ERASE_CONTEXT.name() + " user_id=42)");
        }
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException(
                    ERASE_REASON.name() + " is required: the request the erasure answers, written into its receipt");
        }
        String by = values.text(ERASED_BY) != null ? values.text(ERASED_BY) : System.getProperty("user.name");
        String database = values.text(DB_NAME);
        if (table != null) {
            int dot = table.lastIndexOf('.');
            return ErasureRequest.record(
                    database,
                    dot < 0 ? "public" : table.substring(0, dot),
                    dot < 0 ? table : table.substring(dot + 1),
                    key,
                    values.list(ERASE_COLUMNS),
                    values.list(ERASE_CONTEXT_KEYS),
                    reason,
                    by,
                    values.flag(DRY_RUN));
        }
        int equals = context.indexOf('=');
        if (equals < 1) {
            throw new IllegalArgumentException(
                    ERASE_CONTEXT.name() + " is '" + context + "': use key=value, user_id=42");
        }
        return ErasureRequest.context(
                database,
                context.substring(0, equals),
                context.substring(equals + 1),
                values.list(ERASE_COLUMNS),
                values.list(ERASE_CONTEXT_KEYS),
                reason,
                by,
                values.flag(DRY_RUN));
    }
}
