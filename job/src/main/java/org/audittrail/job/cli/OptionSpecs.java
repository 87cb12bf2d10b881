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

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.audittrail.job.config.Option;
import org.audittrail.job.config.Option.Group;
import org.audittrail.job.config.Option.Kind;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/** picocli's view of the option definitions: the specs a command parses, the text given to each, and help by group. */
final class OptionSpecs {

    private OptionSpecs() {}

    /** Adds {@code options} to {@code command}; a secret also gets its {@code -file} option. */
    static void add(CommandSpec command, List<Option> options) {
        for (Option option : options) {
            for (OptionSpec spec : specs(option)) {
                command.addOption(spec);
            }
        }
    }

    private static List<OptionSpec> specs(Option option) {
        OptionSpec.Builder builder = OptionSpec.builder(option.name()).description(option.help());
        switch (option.kind()) {
            case FLAG -> builder.arity("0").type(boolean.class);
                // not split here: a quoted name may hold a comma, which OptionValues splits around
            case LIST -> builder.type(List.class).auxiliaryTypes(String.class).paramLabel(option.label());
            case SECRET -> builder.type(String.class).paramLabel(option.label()).preprocessor(new PasswordValue());
            case VALUE -> builder.type(String.class).paramLabel(option.label());
        }
        if (option.kind() != Kind.SECRET) {
            return List.of(builder.build());
        }
        OptionSpec file = OptionSpec.builder(option.fileOption())
                .type(String.class)
                .paramLabel("<file>")
                .description("File holding the value of " + option.name() + "; a trailing line break is dropped. Env "
                        + option.fileVariable() + ".")
                .build();
        return List.of(builder.build(), file);
    }

    /** The text given to each option of {@code options} on the command line, by option name; a flag as "true". */
    static Map<String, String> arguments(ParseResult parsed, List<Option> options) {
        Map<String, String> given = new LinkedHashMap<>();
        for (Option option : options) {
            List<String> names =
                    option.kind() == Kind.SECRET ? List.of(option.name(), option.fileOption()) : List.of(option.name());
            for (String name : names) {
                if (!parsed.hasMatchedOption(name)) {
                    continue;
                }
                Object value = parsed.matchedOptionValue(name, null);
                given.put(
                        name,
                        switch (option.kind()) {
                            case FLAG -> "true";
                                // --tables a --tables b,c: every pattern, as picocli gathers them
                            case LIST -> String.join(
                                    ",",
                                    ((List<?>) value)
                                            .stream().map(String::valueOf).toList());
                            default -> String.valueOf(value);
                        });
            }
        }
        return given;
    }

    /** The option list of {@code --help}: the options under a heading per concern, then help and version. */
    static String groupedList(Help help) {
        CommandSpec command = help.commandSpec();
        StringBuilder text = new StringBuilder();
        for (Group group : Group.values()) {
            List<OptionSpec> specs = new ArrayList<>();
            for (OptionSpec spec : command.options()) {
                if (org.audittrail.job.config.Options.ALL.stream()
                        .anyMatch(o -> o.group() == group
                                && (spec.longestName().equals(o.name())
                                        || spec.longestName().equals(o.fileOption())))) {
                    specs.add(spec);
                }
            }
            if (!specs.isEmpty()) {
                text.append(String.format("%n%s:%n", group.heading())).append(layout(help, specs));
            }
        }
        List<OptionSpec> standard = command.options().stream()
                .filter(s -> s.usageHelp() || s.versionHelp())
                .toList();
        return text.append(String.format("%n")).append(layout(help, standard)).toString();
    }

    private static String layout(Help help, List<OptionSpec> specs) {
        Help.Layout layout = help.createDefaultLayout();
        layout.addOptions(specs, help.createDefaultParamLabelRenderer());
        return layout.toString();
    }
}
