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
package org.audittrail.udf.chain;

import java.io.Serializable;
import java.util.Comparator;
import java.util.Objects;
import org.audittrail.udf.model.Change;

/**
 * A chain's last link: its sequence number, its hash and the order key of the change it covers, which a later change
 * must exceed to be chained. A Flink POJO, kept in state; the job reads the first one from the destination.
 */
public class ChainHead implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Of changes at one position: the several tables of one TRUNCATE, by schema, table, operation and key. */
    private static final Comparator<Change> AT_ONE_POSITION = Comparator.<Change, String>comparing(
                    c -> c.schema, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(c -> c.table, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(c -> c.operation.name())
            .thenComparing(c -> c.primaryKey, Comparator.nullsFirst(Comparator.naturalOrder()));

    /**
     * The chain's order: commit position (the WAL's order of commits), then WAL position within the transaction, then
     * transaction and {@link #AT_ONE_POSITION}. Each part is the change's own, so a replay orders the same changes the
     * same way.
     */
    public static final Comparator<Change> ORDER = Comparator.<Change, Long>comparing(
                    c -> c.commitPosition, Long::compareUnsigned)
            .thenComparing(c -> c.position, Long::compareUnsigned)
            .thenComparingLong(c -> c.transactionId)
            .thenComparing(AT_ONE_POSITION);

    /**
     * The order by commit time, transaction, position, then {@link #AT_ONE_POSITION}: of baseline rows (no commit
     * position, their table's moment) among each other and against the chain's head, and of a head stored before
     * commit positions were.
     */
    public static final Comparator<Change> BY_TIME = Comparator.<Change>comparingLong(c -> c.committedAt)
            .thenComparingLong(c -> c.transactionId)
            .thenComparing(c -> c.position, Long::compareUnsigned)
            .thenComparing(AT_ONE_POSITION);

    public long sequence;
    public String hash;
    /** The last chained change's order key; operation null before the first change. */
    public long committedAt;

    public long transactionId;
    public long position;
    /** 0 where unknown: a baseline row's, or a head stored before commit positions were. */
    public long commitPosition;

    public String schema;
    public String table;
    public String operation;
    public String primaryKey;

    public ChainHead() {}

    /** The head of an empty chain. */
    public static ChainHead genesis() {
        ChainHead head = new ChainHead();
        head.hash = ChainLink.GENESIS;
        return head;
    }

    /** The head after {@code change}, which carries its sequence and hash. */
    public static ChainHead after(Change change) {
        ChainHead head = new ChainHead();
        head.sequence = change.chainSequence;
        head.hash = change.chainHash;
        head.committedAt = change.committedAt;
        head.transactionId = change.transactionId;
        head.position = change.position;
        head.commitPosition = change.commitPosition;
        head.schema = change.schema;
        head.table = change.table;
        head.operation = change.operation.name();
        head.primaryKey = change.primaryKey;
        return head;
    }

    /**
     * The head after {@code change}, chained after this one: its link, and the later of the two places in the order (a
     * baseline chunk chained after later changes leaves the head where they put it).
     */
    public ChainHead then(Change change) {
        if (precedes(change)) {
            return after(change);
        }
        ChainHead head = after(change);
        head.committedAt = committedAt;
        head.transactionId = transactionId;
        head.position = position;
        head.commitPosition = commitPosition;
        head.schema = schema;
        head.table = table;
        head.operation = operation;
        head.primaryKey = primaryKey;
        return head;
    }

    /** The last chained change's order key as a change, made once per head (not state: transient). */
    private transient Change last;

    /**
     * Whether {@code change} comes after this head in the chain's order (false: a replay); by commit time where either
     * has no commit position.
     */
    public boolean precedes(Change change) {
        if (operation == null) {
            return true;
        }
        if (last == null) {
            last = new Change();
            last.committedAt = committedAt;
            last.transactionId = transactionId;
            last.position = position;
            last.commitPosition = commitPosition;
            last.schema = schema;
            last.table = table;
            last.operation = org.audittrail.udf.model.Operation.valueOf(operation);
            last.primaryKey = primaryKey;
        }
        boolean positioned = commitPosition != 0 && change.commitPosition != 0;
        return (positioned ? ORDER : BY_TIME).compare(last, change) < 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChainHead h && sequence == h.sequence && Objects.equals(hash, h.hash);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sequence, hash);
    }

    @Override
    public String toString() {
        return "chain head " + sequence + " " + hash;
    }
}
