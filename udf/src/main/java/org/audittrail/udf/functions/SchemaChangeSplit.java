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

import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.model.Operation;

/** Sends each DDL ({@link Operation#SCHEMA}) to {@link #SCHEMA_CHANGES}, for {@code schema_changes}; row changes go on. */
public class SchemaChangeSplit extends ProcessFunction<Change, Change> {

    private static final long serialVersionUID = 1L;

    /** The DDLs, in WAL order. */
    public static final OutputTag<Change> SCHEMA_CHANGES = new OutputTag<>("schema-changes") {};

    @Override
    public void processElement(Change change, Context ctx, Collector<Change> out) {
        if (change.operation == Operation.SCHEMA) {
            ctx.output(SCHEMA_CHANGES, change);
        } else {
            out.collect(change);
        }
    }
}
