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
package org.audittrail.job.config;

import java.util.Optional;

/**
 * One option, defined once: the command line, {@code --help}, docs/options.md and the validation messages all come
 * from this definition. A secret also has a {@code -file} option and a {@code _FILE} variable.
 *
 * @param name the long option, {@code --db-host}
 * @param variable the environment variable that stands in for it (Bemi's name where Bemi has one), or null
 * @param group the concern it belongs to, its heading in help and docs
 * @param kind how its value is given
 * @param defaultValue the value when neither option nor variable is given, or null
 * @param defaultText how the default reads in help where it is not a literal value ("the source's"), or null
 * @param label the value's placeholder in help
 * @param description one or two sentences: what it does and what is allowed
 */
public record Option(
        String name,
        String variable,
        Group group,
        Kind kind,
        String defaultValue,
        String defaultText,
        String label,
        String description) {

    /** How an option takes its value. */
    public enum Kind {
        /** One value. */
        VALUE,
        /** Present or not; takes no value. */
        FLAG,
        /** Comma-separated values. */
        LIST,
        /** A password or passphrase: only as {@code --x=<value>}, or from a file; never shown. */
        SECRET
    }

    /** The concerns options are grouped by, in the order help and docs show them. */
    public enum Group {
        SOURCE("Source database"),
        DESTINATION("Destination database (each setting not given is the source's)"),
        TLS("TLS, as libpq has it (each destination setting not given is the source's)"),
        SSH("SSH jump host to the source"),
        TRACKING("Tracking"),
        CHAIN("Hash chain (docs/tamper-evidence.md)"),
        VERIFY("The verify command"),
        ERASE("The erase command (docs/erasure.md)"),
        UNDO("The undo command (docs/query.md#undo)"),
        SETUP("Setup (the setup command only)"),
        BROWSER("The change browser's role (made by setup, and by the job at each start unless --skip-setup)"),
        CHECKPOINTS("Checkpoints, batching and recovery"),
        METRICS("Probes and metrics");

        private final String heading;

        Group(String heading) {
            this.heading = heading;
        }

        public String heading() {
            return heading;
        }
    }

    /** The option naming the file a secret is read from, {@code --db-password-file}. */
    public String fileOption() {
        return name + "-file";
    }

    /** The variable naming the file a secret is read from, {@code DB_PASSWORD_FILE}. */
    public String fileVariable() {
        return variable + "_FILE";
    }

    /** The default as help and docs show it, if any. */
    public Optional<String> shownDefault() {
        return Optional.ofNullable(defaultText != null ? defaultText : defaultValue);
    }

    /** The description followed by the variable and the default: one line of help. */
    public String help() {
        StringBuilder text = new StringBuilder(description);
        if (variable != null) {
            text.append(" Env ").append(variable).append(kind == Kind.SECRET ? " or " + fileVariable() : "");
        }
        shownDefault().ifPresent(d -> text.append(variable != null ? ", default " : " Default ")
                .append(d));
        if (variable != null || shownDefault().isPresent()) {
            text.append('.');
        }
        return text.toString();
    }
}
