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
package org.audittrail.udf.functions;

import java.util.Arrays;
import org.audittrail.udf.model.Operation;

/**
 * What the stitcher keeps of a transaction while it lasts: the messages no change has taken yet (a short stack), the
 * context the last change took, and the last change's position; a Flink POJO.
 */
public class PendingContext {
    /** Most messages held: nested rows (a trigger writing another row) are few; more means rows that never came. */
    static final int MAX_PENDING = 64;

    /**
     * The context the change at {@link #attachedAt} took, for the other half of a key update at the same position. In
     * a state written before row messages existed ({@link #rows} null), a message not taken yet when attachedAt is -1.
     */
    public String context;
    /** Whether {@link #context} is stored in a fallback form (not the JSON object sent). */
    public boolean contextInFallbackForm;
    /** Position of the last change that took a message, or -1. */
    public long attachedAt = -1;
    /** WAL position of the last change of the transaction, or -1 before its first. */
    public long lastChange = -1;
    /** The pending messages' rows, oldest first ({@link #rowOf}); null where Bemi's own trigger sent a context alone. */
    public String[] rows;
    /** The pending messages' contexts; null for a row written without context. */
    public String[] contexts;
    /** Whether each pending context is in a fallback form. */
    public boolean[] fallbacks;
    /** Whether the last event was a row message, which the context message after it belongs to. */
    public boolean rowOpen;

    public PendingContext() {}

    /** The identity of a row message, or of the row a change wrote as a row message of {@code operation} names it. */
    static String rowOf(Operation operation, String schema, String table) {
        return operation.name() + '\u0000' + schema + '\u0000' + table;
    }

    int size() {
        return rows == null ? 0 : rows.length;
    }

    /** Moves a message of a state written before row messages existed onto the stack. */
    void upgrade() {
        if (rows == null) {
            rows = new String[0];
            contexts = new String[0];
            fallbacks = new boolean[0];
            if (context != null && attachedAt == -1) {
                push(null, context, contextInFallbackForm);
                context = null;
            }
        }
    }

    void push(String row, String context, boolean fallback) {
        int n = size();
        rows = Arrays.copyOf(rows, n + 1);
        contexts = Arrays.copyOf(contexts, n + 1);
        fallbacks = Arrays.copyOf(fallbacks, n + 1);
        rows[n] = row;
        contexts[n] = context;
        fallbacks[n] = fallback;
    }

    /** Keeps the first {@code n} messages; returns how many of those dropped carried a context. */
    int truncate(int n) {
        int dropped = contextsFrom(n);
        rows = Arrays.copyOf(rows, n);
        contexts = Arrays.copyOf(contexts, n);
        fallbacks = Arrays.copyOf(fallbacks, n);
        return dropped;
    }

    /** Removes the message at {@code index}, keeping the others in their order. */
    void remove(int index) {
        int n = size();
        System.arraycopy(rows, index + 1, rows, index, n - index - 1);
        System.arraycopy(contexts, index + 1, contexts, index, n - index - 1);
        System.arraycopy(fallbacks, index + 1, fallbacks, index, n - index - 1);
        rows = Arrays.copyOf(rows, n - 1);
        contexts = Arrays.copyOf(contexts, n - 1);
        fallbacks = Arrays.copyOf(fallbacks, n - 1);
    }

    /** Drops the oldest message; returns 1 if it carried a context. */
    int dropOldest() {
        int dropped = contexts[0] != null ? 1 : 0;
        rows = Arrays.copyOfRange(rows, 1, rows.length);
        contexts = Arrays.copyOfRange(contexts, 1, contexts.length);
        fallbacks = Arrays.copyOfRange(fallbacks, 1, fallbacks.length);
        return dropped;
    }

    /** How many pending messages from index {@code from} on carry a context. */
    int contextsFrom(int from) {
        int count = 0;
        for (int i = from; i < size(); i++) {
            if (contexts[i] != null) {
                count++;
            }
        }
        return count;
    }
}
