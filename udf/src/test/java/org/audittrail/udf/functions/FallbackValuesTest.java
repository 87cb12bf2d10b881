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

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.metrics.groups.InternalOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingTaskMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.api.operators.StreamMap;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.Property;
import org.audittrail.udf.model.Change;
import org.audittrail.udf.model.ChangeId;
import org.audittrail.udf.testing.TestChanges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fallback-values operator: passes every change on, counts fallback values, warns once per table and column. */
class FallbackValuesTest {

    final InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();
    final List<String> warnings = new CopyOnWriteArrayList<>();
    OneInputStreamOperatorTestHarness<Change, Change> harness;
    AbstractAppender appender;

    @BeforeEach
    void open() throws Exception {
        InterceptingTaskMetricGroup task = new InterceptingTaskMetricGroup() {
            @Override
            public InternalOperatorMetricGroup getOrAddOperator(OperatorID id, String name) {
                return metrics;
            }
        };
        MockEnvironment environment =
                new MockEnvironmentBuilder().setMetricGroup(task).build();
        harness = new OneInputStreamOperatorTestHarness<>(new StreamMap<>(new FallbackValues()), environment);
        harness.open();
        appender = new AbstractAppender("fallback-values-test", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                warnings.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
            }
        };
        appender.start();
        // the appender sees WARN lines whatever the test logging configuration says
        Configurator.setLevel(FallbackValues.class.getName(), Level.WARN);
        logger().addAppender(appender);
    }

    @AfterEach
    void close() throws Exception {
        logger().removeAppender(appender);
        harness.close();
    }

    private static Logger logger() {
        return (Logger) LogManager.getLogger(FallbackValues.class);
    }

    @Test
    void everyChangePassesUnchangedAndOnlyFallbackValuesAreCounted() throws Exception {
        Change plain = change("todo", 0x1_0000_00A0L);
        Change fallback = change("documents", 0x1_0000_00B0L);
        fallback.markFallback("j");
        fallback.markFallback("k");
        fallback.markFallback("j");
        send(plain, fallback);
        List<Change> out = harness.extractOutputStreamRecords().stream()
                .map(StreamRecord::getValue)
                .collect(Collectors.toList());
        assertThat(out).containsExactly(plain, fallback);
        assertThat(counter().getCount()).as("two columns of one change").isEqualTo(2);
        assertThat(warnings).hasSize(2);
    }

    @Test
    void warnsOncePerTableAndColumnWithTablePositionAndIdButNeverTheValue() throws Exception {
        Change first = change("documents", 0x1_0000_00B0L);
        first.after = "{\"j\":\"secret-value\"}";
        first.markFallback("j");
        Change again = change("documents", 0x1_0000_00C0L);
        again.markFallback("j");
        Change context = change("documents", 0x1_0000_00D0L);
        context.context = "{\"_unparsed\":\"secret-context\"}";
        context.markFallback(Change.CONTEXT_COLUMN);
        Change otherTable = change("notes", 0x1_0000_00E0L);
        otherTable.markFallback("j");
        send(first, again, context, otherTable);

        assertThat(counter().getCount()).isEqualTo(4);
        assertThat(warnings).hasSize(3).allSatisfy(w -> assertThat(w)
                .startsWith("WARN ")
                .doesNotContain("secret")
                .contains(FallbackValues.METRIC));
        assertThat(warnings.get(0))
                .contains(
                        "public.documents column j",
                        "WAL position 1/B0",
                        ChangeId.of(first).toString());
        assertThat(warnings.get(1))
                .contains(
                        "A context of public.documents",
                        "WAL position 1/D0",
                        ChangeId.of(context).toString());
        assertThat(warnings.get(2)).contains("public.notes column j");
        assertThat(warnings.stream().filter(w -> w.contains("1/C0")).collect(Collectors.toList()))
                .isEmpty();
    }

    @Test
    void changeStaysAFlinkPojoWithoutGenericFields() {
        TypeInformation<Change> type = TypeInformation.of(Change.class);
        assertThat(type).isInstanceOf(PojoTypeInfo.class);
        PojoTypeInfo<Change> pojo = (PojoTypeInfo<Change>) type;
        for (int i = 0; i < pojo.getArity(); i++) {
            assertThat(pojo.getPojoFieldAt(i).getTypeInformation().getClass().getSimpleName())
                    .as(pojo.getPojoFieldAt(i).getField().getName())
                    .isNotEqualTo("GenericTypeInfo");
        }
    }

    private Counter counter() {
        return (Counter) metrics.get(FallbackValues.METRIC);
    }

    private void send(Change... changes) throws Exception {
        for (Change c : changes) {
            harness.processElement(c, 0L);
        }
    }

    static Change change(String table, long position) {
        Change c = TestChanges.row(7, position);
        c.table = table;
        c.primaryKey = "1";
        return c;
    }
}
