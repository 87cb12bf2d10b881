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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.audittrail.job.config.Option.Group;
import org.audittrail.job.config.Option.Kind;

/** docs/options.md, generated from {@link Options} by the build; a test fails when the checked-in copy differs. */
public final class OptionReference {

    private OptionReference() {}

    /** Writes the reference to the file given, as the build does at process-classes. */
    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[0]);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, markdown());
    }

    /** The reference: per concern, a table of option, variable, default and description. */
    public static String markdown() {
        StringBuilder text = new StringBuilder(
                """
                # Options

                <!-- Generated from job/src/main/java/org/audittrail/job/config/Options.java by the build
                     (job/target/generated-docs/options.md); OptionReferenceTest fails when this copy differs. -->

                Every option of `audit-trail` (`run`, the job), also taken from the environment variable named.
                An option given wins over its variable, which wins over the default. `setup` takes the source,
                destination, TLS, SSH and tracking options and `--print-sql`; `disconnect` the source, destination,
                TLS and SSH ones; `--help` on any command lists its own. A secret is taken only as `--option=<value>` in one
                argument, or from a file (`--option-file`, `VARIABLE_FILE`; a trailing line break is dropped);
                its option and its file option, or its variable and its `_FILE` variable, are refused together.
                A value out of range is refused at start in one line naming the option, the value and what is allowed.
                """);
        for (Group group : Group.values()) {
            List<Option> options =
                    Options.ALL.stream().filter(o -> o.group() == group).toList();
            text.append("\n## ")
                    .append(group.heading())
                    .append("\n\n| option | variable | default | what |\n|---|---|---|---|\n");
            for (Option option : options) {
                text.append("| ")
                        .append(usage(option))
                        .append(" | ")
                        .append(variables(option))
                        .append(" | ")
                        .append(
                                option.defaultValue() != null
                                        ? "`" + option.defaultValue() + "`"
                                        : option.shownDefault().orElse(""))
                        .append(" | ")
                        .append(option.description().replace("<", "&lt;").replace(">", "&gt;"))
                        .append(" |\n");
            }
        }
        return text.toString();
    }

    private static String usage(Option option) {
        return switch (option.kind()) {
            case FLAG -> "`" + option.name() + "`";
            case SECRET -> "`" + option.name() + "=" + option.label() + "`, `" + option.fileOption() + "=<file>`";
            case LIST -> "`" + option.name() + "=" + option.label() + "[," + option.label() + "...]`";
            case VALUE -> "`" + option.name() + "=" + option.label() + "`";
        };
    }

    private static String variables(Option option) {
        if (option.variable() == null) {
            return "";
        }
        List<String> names = option.kind() == Kind.SECRET
                ? List.of(option.variable(), option.fileVariable())
                : List.of(option.variable());
        return names.stream().map(n -> "`" + n + "`").collect(Collectors.joining(", "));
    }
}
