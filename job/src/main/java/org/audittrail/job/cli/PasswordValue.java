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
package org.audittrail.job.cli;

import java.util.Map;
import java.util.Stack;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Refuses a password option followed by its value as a separate argument ({@code --db-password secret}): Flink's
 * client, and its JobManager in application mode, log every program argument, masking one that names a password
 * ({@code --db-password=secret} as a whole) but not the argument after it. The refusal never repeats the value.
 */
public final class PasswordValue implements CommandLine.IParameterPreprocessor {

    @Override
    public boolean preprocess(Stack<String> args, CommandSpec commandSpec, ArgSpec argSpec, Map<String, Object> info) {
        // picocli tells the separator between option and value: "=" within one argument, a blank between two
        Object separator = info.get("separator");
        if (separator == null || separator.toString().isBlank()) {
            String option = ((OptionSpec) argSpec).longestName();
            throw new CommandLine.ParameterException(
                    commandSpec.commandLine(),
                    option + " takes its value only as "
                            + option
                            + "=<password>, in one argument: Flink logs every program argument, masking the one that"
                            + " names a password but not the one after it. Where this ran through flink run, its log may hold the"
                            + " password now: change it. Better, give " + option + "-file=<file> or the variable "
                            + variable(option) + "_FILE (or " + variable(option) + ").");
        }
        return false;
    }

    /** {@code --destination-db-password} is DESTINATION_DB_PASSWORD. */
    private static String variable(String option) {
        return option.substring(2).replace('-', '_').toUpperCase();
    }
}
