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
import java.util.Map;
import org.audittrail.job.config.Option.Kind;
import org.audittrail.udf.selection.Wildcard;

/**
 * The text of each option, from the first of: its argument, its variable, its default. A secret comes from its
 * option or its {@code -file} option (not both), else its variable or {@code _FILE} variable (not both, as the
 * official PostgreSQL image has it). Knows where each value came from, so a refusal names what the user wrote.
 */
final class OptionValues {

    /** A value and what gave it: the option, the variable or the default. */
    record Given(String text, String by) {}

    private final Map<String, String> arguments;
    private final Map<String, String> environment;

    /** {@code arguments}: the text given to each option on the command line, flags as "true", by option name. */
    OptionValues(Map<String, String> arguments, Map<String, String> environment) {
        this.arguments = Map.copyOf(arguments);
        this.environment = Map.copyOf(environment);
    }

    /** The option's value and what gave it, or null where none did and it has no default. */
    Given given(Option option) {
        if (option.kind() == Kind.SECRET) {
            String secret = secret(option);
            return secret == null ? null : new Given(secret, option.name());
        }
        if (arguments.containsKey(option.name())) {
            return new Given(arguments.get(option.name()), option.name());
        }
        String variable = option.variable() == null ? null : environment.get(option.variable());
        if (variable != null && !variable.isEmpty()) {
            return new Given(variable, option.variable());
        }
        return option.defaultValue() == null ? null : new Given(option.defaultValue(), option.name() + "'s default");
    }

    String text(Option option) {
        Given given = given(option);
        return given == null || given.text().isEmpty() ? null : given.text();
    }

    boolean flag(Option option) {
        return Boolean.parseBoolean(arguments.get(option.name()));
    }

    List<String> list(Option option) {
        String text = text(option);
        // a quoted name may hold a comma: "my,schema".*
        return text == null ? List.of() : Wildcard.split(text);
    }

    private String secret(Option option) {
        String value = arguments.get(option.name());
        String file = arguments.get(option.fileOption());
        if (value != null && file != null) {
            throw new IllegalArgumentException(
                    option.name() + " and " + option.fileOption() + " are both given: give one of them");
        }
        if (value != null) {
            return value;
        }
        if (file != null) {
            return read(Path.of(file), option.fileOption());
        }
        String fromVariable = environment.get(option.variable());
        String fileVariable = environment.get(option.fileVariable());
        boolean hasValue = fromVariable != null && !fromVariable.isEmpty();
        boolean hasFile = fileVariable != null && !fileVariable.isEmpty();
        if (hasValue && hasFile) {
            throw new IllegalArgumentException("Both " + option.variable() + " and " + option.fileVariable()
                    + " are set, but they exclude each other");
        }
        return hasFile ? read(Path.of(fileVariable), option.fileVariable()) : hasValue ? fromVariable : null;
    }

    /** The file's text without its trailing line breaks, as a shell's {@code $(< file)} reads it; never says its content. */
    private static String read(Path file, String givenBy) {
        try {
            String text = Files.readString(file);
            int end = text.length();
            while (end > 0 && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r')) {
                end--;
            }
            return text.substring(0, end);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(
                    "Cannot read the password file " + file + " given by " + givenBy + ": "
                            + e.getClass().getSimpleName(),
                    e);
        }
    }
}
