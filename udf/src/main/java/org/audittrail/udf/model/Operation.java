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

/**
 * What happened to a row, as stored in {@code changes.operation}; MESSAGE (a context message), the ROW_ kinds (a
 * row message, naming the row the next context message belongs to) and HEARTBEAT (the job's own WAL message, whose
 * time moves the watermark on while the source is quiet) never reach the table; SCHEMA goes to {@code schema_changes}.
 */
public enum Operation {
    CREATE,
    UPDATE,
    DELETE,
    TRUNCATE,
    MESSAGE,
    ROW_CREATE,
    ROW_UPDATE,
    ROW_DELETE,
    ROW_TRUNCATE,
    HEARTBEAT,
    /** A DDL on a table (setup's schema trigger): stored in {@code schema_changes}, never in {@code changes}. */
    SCHEMA,
    /** A row as the baseline snapshot read it: its record's state at the snapshot, not a change. */
    SNAPSHOT,
    /**
     * The start of a baseline snapshot chunk's rows (its table, split and key range in {@code after}): the sink clears
     * what an earlier reading of the same chunk stored; never stored itself.
     */
    SNAPSHOT_CHUNK;

    /** Whether before and after are a row's images (not a DDL's description, not a chunk's key range). */
    public boolean hasImages() {
        return this != SCHEMA && this != SNAPSHOT_CHUNK;
    }

    /** Whether this is a context message or a row message, not a change. */
    public boolean isMessage() {
        return this == MESSAGE || isRowMessage();
    }

    /**
     * Whether this is a row message (setup's row trigger writes one before its row's context message; setup's truncate
     * trigger one naming a table truncated).
     */
    public boolean isRowMessage() {
        return this == ROW_CREATE || this == ROW_UPDATE || this == ROW_DELETE || this == ROW_TRUNCATE;
    }

    /** The row message of a trigger's {@code TG_OP}; null for any other text. */
    public static Operation ofTrigger(String tgOp) {
        return switch (tgOp) {
            case "INSERT" -> ROW_CREATE;
            case "UPDATE" -> ROW_UPDATE;
            case "DELETE" -> ROW_DELETE;
            case "TRUNCATE" -> ROW_TRUNCATE;
            default -> null;
        };
    }

    /** Whether a row message of this kind names a change of {@code change}: an UPDATE of a key arrives as a DELETE and a CREATE. */
    public boolean names(Operation change) {
        return switch (this) {
            case ROW_CREATE -> change == CREATE;
            case ROW_DELETE -> change == DELETE;
            case ROW_TRUNCATE -> change == TRUNCATE;
            case ROW_UPDATE -> change == UPDATE || change == DELETE || change == CREATE;
            default -> false;
        };
    }
}
