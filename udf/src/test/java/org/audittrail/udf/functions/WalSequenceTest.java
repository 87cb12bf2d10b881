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

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.audittrail.udf.model.Change;
import org.junit.jupiter.api.Test;

/** Stamps that never decrease, and one watermark for every split, so none that sends nothing holds it back. */
class WalSequenceTest {

    /** What a split's output was told, in order. */
    static final class Told implements WatermarkOutput {
        final List<String> said = new ArrayList<>();

        @Override
        public void emitWatermark(Watermark watermark) {
            said.add(String.valueOf(watermark.getTimestamp()));
        }

        @Override
        public void markIdle() {
            said.add("idle");
        }

        @Override
        public void markActive() {
            said.add("active");
        }
    }

    static Change committed(long micros) {
        Change c = new Change();
        c.committedAt = micros;
        return c;
    }

    @Test
    void stampsNeverDecreaseAndEverySplitsWatermarkIsTheHighestStampOfAny() {
        WalSequence sequence = new WalSequence();
        TimestampAssigner<Change> stamps = sequence.createTimestampAssigner(null);
        WatermarkGenerator<Change> reading = sequence.createWatermarkGenerator(null);
        // a restored chunk Flink CDC has already finished: no event ever comes from it
        WatermarkGenerator<Change> finished = sequence.createWatermarkGenerator(null);
        Told toReading = new Told();
        Told toFinished = new Told();
        finished.onPeriodicEmit(toFinished);
        assertThat(toFinished.said).isEmpty(); // nothing stamped yet: no watermark, and never idle

        long first = stamps.extractTimestamp(committed(2_000_500), 0);
        reading.onEvent(committed(2_000_500), first, toReading);
        long behind = stamps.extractTimestamp(committed(1_999_000), 0); // a commit whose clock ran behind
        reading.onEvent(committed(1_999_000), behind, toReading);
        reading.onPeriodicEmit(toReading);
        finished.onPeriodicEmit(toFinished);
        assertThat(first).isEqualTo(2_000L);
        assertThat(behind).isEqualTo(2_000L);
        assertThat(toReading.said).containsExactly("2000");
        assertThat(toFinished.said).containsExactly("2000");
    }
}
