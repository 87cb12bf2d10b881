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

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Periodic work against a database, in a daemon thread of its own named {@code thread}: first run {@code first} after
 * {@link #start}, each next one {@code interval} after the last one ended. A run that throws is counted and logged
 * (exception class and message only, never a value) and the next run still happens; a run says what its own failures
 * mean (a metric, a warning) itself. {@link #close()} stops the runs and waits briefly for one in progress.
 */
public final class ScheduledProbe implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ScheduledProbe.class);

    /** How long {@link #close()} waits for a run in progress. */
    private static final long CLOSE_WAIT_SECONDS = 5;

    /** What one run does. */
    @FunctionalInterface
    public interface Run {
        void run() throws Exception;
    }

    private final String thread;
    private final Duration interval;
    private final Run run;
    private final AtomicLong failures = new AtomicLong();
    private final ScheduledExecutorService scheduler;
    private volatile boolean closed;

    private ScheduledProbe(String thread, Duration first, Duration interval, Run run) {
        this.thread = thread;
        this.interval = interval;
        this.run = run;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, thread);
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(this::runOnce, first.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Starts running {@code run}: first after {@code first}, then {@code interval} after each run. */
    public static ScheduledProbe start(String thread, Duration first, Duration interval, Run run) {
        return new ScheduledProbe(thread, first, interval, run);
    }

    private void runOnce() {
        try {
            run.run();
        } catch (Exception e) {
            if (closed) {
                return; // interrupted by close: not a failure
            }
            failures.incrementAndGet();
            LOG.warn(
                    "{} failed, run again in {} ms: {}: {}",
                    thread,
                    interval.toMillis(),
                    e.getClass().getName(),
                    e.getMessage());
        }
    }

    /** Runs that threw so far. */
    public long failures() {
        return failures.get();
    }

    /** Stops the runs: none starts once this returns, and one in progress is interrupted and waited for a little. */
    @Override
    public void close() {
        closed = true;
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
