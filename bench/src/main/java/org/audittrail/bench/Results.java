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
package org.audittrail.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes one benchmark's section of bench/RESULTS.md, between its own markers, leaving the others' sections as they are. */
final class Results {

    private Results() {}

    /** Replaces the text between {@code <!-- name:start -->} and {@code <!-- name:end -->}, appending the section if new. */
    static void write(Path file, String name, String section) throws IOException {
        String start = "<!-- " + name + ":start -->";
        String end = "<!-- " + name + ":end -->";
        String text = Files.exists(file) ? Files.readString(file) : "# Benchmark results\n";
        String block = start + "\n" + section.strip() + "\n" + end;
        int from = text.indexOf(start);
        int to = text.indexOf(end);
        text = from >= 0 && to > from
                ? text.substring(0, from) + block + text.substring(to + end.length())
                : text.stripTrailing() + "\n\n" + block + "\n";
        Files.writeString(file, text);
        System.out.println(section);
    }
}
