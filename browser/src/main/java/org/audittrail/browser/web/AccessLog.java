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
package org.audittrail.browser.web;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * Who looked at what, when: one line per page view, export and login, appended and flushed. It holds the filters users
 * typed, which can be personal data: keep it as the trail itself is kept.
 */
public final class AccessLog implements AutoCloseable {
    private final Writer out;

    public AccessLog(Path file) throws IOException {
        this.out = Files.newBufferedWriter(
                file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Appends {@code time user address method path?query status}, tabs between, control characters replaced. */
    public synchronized void write(String user, String address, String method, String target, int status) {
        try {
            out.write(Instant.now() + "\t" + clean(user) + "\t" + clean(address) + "\t" + method + "\t" + clean(target)
                    + "\t" + status + "\n");
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("the access log cannot be written", e);
        }
    }

    private static String clean(String text) {
        return text == null ? "-" : text.replaceAll("[\\p{Cntrl}]", "?");
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
