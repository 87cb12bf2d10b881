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
import org.audittrail.udf.privacy.PrivacyPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the privacy policy to each event as it leaves the source, before any state or network holds it. In
 * fail-closed mode, counts the values no rule covered (masked) in {@value #METRIC} and says so in a WARN line once per
 * table and column, naming them, never a value. Stateless.
 */
public class PrivacyPolicyMap extends RichMapFunction<Change, Change> {

    private static final long serialVersionUID = 1L;

    private static final Logger LOG = LoggerFactory.getLogger(PrivacyPolicyMap.class);

    /** Name of the counter of values masked for want of a rule. */
    public static final String METRIC = "valuesMaskedWithoutRule";

    private final PrivacyPolicy policy;
    private transient Counter counter;
    private transient Set<String> warned;

    public PrivacyPolicyMap(PrivacyPolicy policy) {
        this.policy = policy;
    }

    @Override
    public void open(OpenContext openContext) {
        counter = getRuntimeContext().getMetricGroup().counter(METRIC);
        warned = new HashSet<>();
    }

    @Override
    public Change map(Change change) {
        if (policy.isNone()) {
            return change;
        }
        Set<String> uncovered = policy.apply(change);
        if (!uncovered.isEmpty()) {
            counter.inc(uncovered.size());
            for (String column : uncovered) {
                if (warned.add(change.schema + "." + column)) {
                    LOG.warn(
                            "Privacy policy (fail-closed): no rule covers {} in schema {}, so its values are stored as"
                                    + " \"***\"; add a rule for it (keep, hash, ...) and restart. Further ones are only"
                                    + " counted in {}",
                            column,
                            change.schema,
                            METRIC);
                }
            }
        }
        return change;
    }
}
