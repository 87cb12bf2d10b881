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
package org.audittrail.job.setup;

import java.util.function.Consumer;

/**
 * Says how far a long step over many items has come, as {@code setup: 300/1200 tables}: every {@value #EVERY} items
 * or every {@value #INTERVAL_SECONDS} seconds, and once at the end where it said anything before; names no item.
 */
final class Progress {

    static final int EVERY = 100;
    static final long INTERVAL_SECONDS = 5;

    private final String step;
    private final int total;
    private final String items;
    private final Consumer<String> out;
    private long lastNanos = System.nanoTime();
    private int done;
    private boolean said;

    Progress(String step, int total, String items, Consumer<String> out) {
        this.step = step;
        this.total = total;
        this.items = items;
        this.out = out;
    }

    /** One more item done. */
    void step() {
        done++;
        long now = System.nanoTime();
        boolean last = done == total;
        if (done % EVERY == 0 || now - lastNanos >= INTERVAL_SECONDS * 1_000_000_000L || (last && said)) {
            out.accept(step + ": " + done + "/" + total + " " + items);
            said = true;
            lastNanos = now;
        }
    }
}
