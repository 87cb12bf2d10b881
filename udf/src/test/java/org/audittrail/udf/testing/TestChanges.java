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
package org.audittrail.udf.testing;

import org.audittrail.udf.model.Change;
import org.audittrail.udf.model.Operation;

/** Changes as the source emits them, for the operator tests. */
public final class TestChanges {

    private TestChanges() {}

    /** A row message without context, as setup's trigger sends it for a row of a statement without one (or an older setup's, before its {@code _bemi} message). */
    public static Change rowMessage(long transaction, long position, Operation operation, String table) {
        return rowMessage(transaction, position, operation, table, null);
    }

    /** A row message carrying its statement's context as sent. */
    public static Change rowMessage(
            long transaction, long position, Operation operation, String table, String context) {
        Change c = row(transaction, position);
        c.operation = operation;
        c.table = table;
        c.context = context;
        return c;
    }

    public static Change message(long transaction, long position, String context) {
        Change c = row(transaction, position);
        c.operation = Operation.MESSAGE;
        c.table = null;
        c.context = context;
        return c;
    }

    public static Change rowOf(long transaction, long position, String table) {
        Change c = row(transaction, position);
        c.table = table;
        return c;
    }

    public static Change row(long transaction, long position) {
        Change c = new Change();
        c.database = "postgres";
        c.schema = "public";
        c.table = "todo";
        c.operation = Operation.CREATE;
        c.before = "{}";
        c.after = "{}";
        c.context = "{}";
        c.transactionId = transaction;
        c.position = position;
        return c;
    }
}
