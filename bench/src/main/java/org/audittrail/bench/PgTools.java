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
import java.util.ArrayList;
import java.util.List;

/** PostgreSQL's own client programs (pg_recvlogical, pgbench) from Debian's postgresql-15, installed with apt-get where missing. */
final class PgTools {

    static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");

    private PgTools() {}

    /** The path of {@code program}, installing Debian's postgresql-15 first if it is not there. */
    static Path program(String program) throws IOException, InterruptedException {
        Path path = BIN.resolve(program);
        if (!Files.isExecutable(path)) {
            List<String> command = new ArrayList<>();
            if (!"root".equals(System.getProperty("user.name"))) {
                command.addAll(List.of("sudo", "-n"));
            }
            command.addAll(List.of(
                    "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q", "postgresql-15"));
            int exit = new ProcessBuilder(command).inheritIO().start().waitFor();
            if (exit != 0 || !Files.isExecutable(path)) {
                throw new IllegalStateException(
                        program + " is missing and `apt-get install -y postgresql-15` failed (exit " + exit
                                + "): install Debian's postgresql-15 to run this benchmark");
            }
        }
        return path;
    }
}
