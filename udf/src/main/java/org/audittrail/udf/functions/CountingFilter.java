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

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFilterFunction;
import org.apache.flink.metrics.Counter;
import org.audittrail.udf.model.Change;

/** A filter of changes that counts what it drops in a Flink metric. */
abstract class CountingFilter extends RichFilterFunction<Change> {

    private static final long serialVersionUID = 1L;

    private final String metric;
    private transient Counter dropped;

    CountingFilter(String metric) {
        this.metric = metric;
    }

    /** Whether the change goes on. */
    abstract boolean keep(Change change);

    @Override
    public void open(OpenContext openContext) {
        dropped = getRuntimeContext().getMetricGroup().counter(metric);
    }

    @Override
    public boolean filter(Change change) {
        if (keep(change)) {
            return true;
        }
        dropped.inc();
        return false;
    }
}
