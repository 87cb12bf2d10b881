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
package org.audittrail.job.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.audittrail.job.testing.TestDatabase;
import org.junit.jupiter.api.Test;

/** The probes' schedule: a named daemon thread, the first run and the interval, a failing run, and close. */
class ScheduledProbeTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final Path LOG = Path.of("target", "test.log");

    @Test
    void runsAtOnceThenAboutEveryIntervalInItsNamedDaemonThread() {
        long interval = 50;
        List<Long> runs = new CopyOnWriteArrayList<>();
        List<Thread> threads = new CopyOnWriteArrayList<>();
        long started = System.nanoTime();
        try (ScheduledProbe probe =
                ScheduledProbe.start("probe-test-interval", Duration.ZERO, Duration.ofMillis(interval), () -> {
                    runs.add(System.nanoTime());
                    threads.add(Thread.currentThread());
                })) {
            await(() -> runs.size() >= 5, "five runs");
            assertThat(probe.failures()).isZero();
        }
        // never early: each run at least an interval after the one before (a little slack for the clock read in the
        // run)
        for (int i = 1; i < 5; i++) {
            assertThat(millis(runs.get(i) - runs.get(i - 1)))
                    .as("gap before run " + i)
                    .isGreaterThanOrEqualTo(interval - 5);
        }
        // and not far late either, on a busy machine: the first at once, five in well under twenty intervals each
        assertThat(millis(runs.get(0) - started)).isLessThan(2_000);
        assertThat(millis(runs.get(4) - runs.get(0))).isLessThan(4 * 20 * interval);
        assertThat(threads).allSatisfy(t -> {
            assertThat(t.getName()).isEqualTo("probe-test-interval");
            assertThat(t.isDaemon()).isTrue();
        });
    }

    @Test
    void firstRunWaitsAsLongAsAsked() {
        List<Long> runs = new CopyOnWriteArrayList<>();
        long started = System.nanoTime();
        try (ScheduledProbe probe = ScheduledProbe.start(
                "probe-test-first", Duration.ofMillis(300), Duration.ofMillis(50), () -> runs.add(System.nanoTime()))) {
            await(() -> runs.size() >= 2, "two runs");
        }
        assertThat(millis(runs.get(0) - started)).isGreaterThanOrEqualTo(300);
    }

    @Test
    void aRunThatThrowsIsCountedAndLoggedAndTheNextRunStillHappens() throws Exception {
        String thread = "probe-test-failing";
        String first = thread + " failed, run again in 20 ms: java.lang.IllegalStateException: first run broke";
        String second = thread + " failed, run again in 20 ms: java.sql.SQLException: second run broke";
        long logged = count(thread + " failed");
        long firstLogged = count(first);
        long secondLogged = count(second);
        AtomicInteger runs = new AtomicInteger();
        try (ScheduledProbe probe = ScheduledProbe.start(thread, Duration.ZERO, Duration.ofMillis(20), () -> {
            int run = runs.incrementAndGet();
            if (run == 1) {
                throw new IllegalStateException("first run broke");
            }
            if (run == 2) {
                throw new SQLException("second run broke");
            }
        })) {
            await(() -> runs.get() >= 4, "runs after the failing ones");
            assertThat(probe.failures()).isEqualTo(2);
        }
        assertThat(count(thread + " failed")).isEqualTo(logged + 2);
        assertThat(count(first)).isEqualTo(firstLogged + 1);
        assertThat(count(second)).isEqualTo(secondLogged + 1);
    }

    @Test
    void closeInterruptsARunInProgressWithoutCountingItAndNoRunStartsAfter() throws Exception {
        String thread = "probe-test-close";
        long logged = count(thread + " failed");
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch blocked = new CountDownLatch(1);
        ScheduledProbe probe = ScheduledProbe.start(thread, Duration.ZERO, Duration.ofMillis(10), () -> {
            if (runs.incrementAndGet() == 3) {
                blocked.countDown();
                Thread.sleep(60_000); // until close interrupts it
            }
        });
        await(() -> blocked.getCount() == 0, "the third run to block");
        long closing = System.nanoTime();
        probe.close();
        assertThat(millis(System.nanoTime() - closing)).isLessThan(5_000);
        int atClose = runs.get();
        assertThat(atClose).isEqualTo(3);
        assertThat(probe.failures()).isZero();
        await(
                () -> Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.getName().equals(thread)),
                "the thread to end");
        assertThat(runs.get()).isEqualTo(atClose);
        assertThat(count(thread + " failed")).isEqualTo(logged);
    }

    private static long millis(long nanos) {
        return Duration.ofNanos(nanos).toMillis();
    }

    private static void await(BooleanSupplier condition, String what) {
        TestDatabase.poll(condition, DEADLINE, Duration.ofMillis(5), what);
    }

    private static long count(String text) throws Exception {
        return Files.exists(LOG)
                ? Files.readAllLines(LOG).stream()
                        .filter(line -> line.contains(text))
                        .count()
                : 0;
    }
}
