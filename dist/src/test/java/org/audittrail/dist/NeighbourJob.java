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
package org.audittrail.dist;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.PackageVersion;
import com.google.common.collect.ImmutableList;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.DiscardingSink;

/**
 * Another team's job on the same cluster, with its own Jackson and Guava unrelocated in its jar: it fails unless it
 * sees exactly its own versions, loaded from its own jar, while the audit trail runs beside it.
 */
public final class NeighbourJob {

    private NeighbourJob() {}

    /** args[0]: the Jackson version the job's jar brings. */
    public static void main(String[] args) throws Exception {
        String jackson = args[0];
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.fromSequence(1, 2_000).map(n -> uses(jackson, n)).name("neighbour").addSink(new DiscardingSink<>());
        env.execute("neighbour-with-own-jackson-and-guava");
    }

    private static String uses(String jackson, long n) throws Exception {
        if (!PackageVersion.VERSION.toString().equals(jackson)) {
            throw new IllegalStateException("Jackson " + PackageVersion.VERSION + " instead of " + jackson);
        }
        if (ObjectMapper.class.getClassLoader() != NeighbourJob.class.getClassLoader()
                || ImmutableList.class.getClassLoader() != NeighbourJob.class.getClassLoader()) {
            throw new IllegalStateException("Jackson or Guava not loaded from the neighbour's own jar");
        }
        return new ObjectMapper().writeValueAsString(ImmutableList.of(n, n + 1));
    }
}
