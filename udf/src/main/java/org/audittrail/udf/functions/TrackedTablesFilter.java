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

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.model.Operation;
import org.audittrail.udf.selection.TableSelection;

/**
 * Drops changes of tables read only for their context messages (untracked tables that carry Bemi's row trigger
 * are read too, so that their messages never reach a tracked row), and of the destination's own tables, whatever
 * the patterns say; counted in {@code untrackedChanges}.
 */
public class TrackedTablesFilter extends CountingFilter {

    private static final long serialVersionUID = 1L;

    private final TableSelection tracked;
    private final Set<String> neverTracked;

    /** {@code neverTracked}: {@code schema.table} of the destination's tables where they are in the source. */
    public TrackedTablesFilter(TableSelection tracked, Set<String> neverTracked) {
        super("untrackedChanges");
        this.tracked = tracked;
        this.neverTracked = new HashSet<>(neverTracked);
    }

    /** Answers by schema, then table: the patterns are matched once per table, not once per change. */
    private transient Map<String, Map<String, Boolean>> answers;

    private transient int answered;

    /** A bound on the answers kept, for a source that creates ever new tables. */
    static final int MAX_ANSWERS = 100_000;

    @Override
    boolean keep(Change change) {
        if (change.operation == Operation.SNAPSHOT_CHUNK) {
            return true; // a chunk is of a tracked table; the baseline's end is of none
        }
        if (answers == null || answered >= MAX_ANSWERS) {
            answers = new HashMap<>();
            answered = 0;
        }
        Map<String, Boolean> tables = answers.computeIfAbsent(change.schema, schema -> new HashMap<>());
        Boolean keep = tables.get(change.table);
        if (keep == null) {
            keep = tracked.isTracked(change.schema, change.table)
                    && !neverTracked.contains(change.schema + "." + change.table);
            tables.put(change.table, keep);
            answered++;
        }
        return keep;
    }
}
