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

import java.util.HashSet;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.model.ChangeId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the values stored in a fallback form ({@link Change#fallbackColumns}) in {@value #METRIC}, and says so in a
 * WARN line once per table and column: table, column, WAL position and change id, never the value. Stateless.
 */
public class FallbackValues extends RichMapFunction<Change, Change> {

    private static final long serialVersionUID = 1L;

    private static final Logger LOG = LoggerFactory.getLogger(FallbackValues.class);

    /** Name of the counter of values stored in a fallback form. */
    public static final String METRIC = "valuesInFallbackForm";

    private transient Counter counter;
    private transient Set<String> logged;

    @Override
    public void open(OpenContext openContext) {
        counter = getRuntimeContext().getMetricGroup().counter(METRIC);
        logged = new HashSet<>();
    }

    @Override
    public Change map(Change change) {
        if (change.fallbackColumns != null) {
            count(change);
        }
        return change;
    }

    private void count(Change change) {
        counter.inc(change.fallbackColumns.length);
        String table = change.schema + "." + change.table;
        for (String column : change.fallbackColumns) {
            if (!logged.add(table + "\u0000" + column)) {
                continue;
            }
            if (Change.CONTEXT_COLUMN.equals(column)) {
                LOG.warn(
                        "A context of {} is stored in fallback form {\"_unparsed\": <the text sent>} (first at WAL position {},"
                                + " change {}): it is no JSON object PostgreSQL's jsonb can hold. Further ones of this table are"
                                + " only counted in {}",
                        table,
                        Change.lsn(change.position),
                        ChangeId.of(change),
                        METRIC);
            } else {
                LOG.warn(
                        "A value of {} column {} is stored in fallback form, as a JSON string of its text (first at WAL"
                                + " position {}, change {}) and named in fallback_columns: the job cannot store it exactly as to_jsonb"
                                + " writes it (jsonb cannot hold it, or a cast to json the job cannot run). Further ones of this"
                                + " column are only counted in {}",
                        table,
                        column,
                        Change.lsn(change.position),
                        ChangeId.of(change),
                        METRIC);
            }
        }
    }
}
