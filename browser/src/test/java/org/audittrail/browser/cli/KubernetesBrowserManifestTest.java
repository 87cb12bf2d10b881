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
package org.audittrail.browser.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** deploy/kubernetes/change-browser.yaml: what it sets is what the browser reads, every file it names is mounted. */
class KubernetesBrowserManifestTest {
    static final Path MANIFEST = Path.of("../deploy/kubernetes/change-browser.yaml");
    static final List<JsonNode> DOCUMENTS = new ArrayList<>();
    static JsonNode container;

    @BeforeAll
    static void load() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        try (YAMLParser parser = new YAMLFactory().createParser(MANIFEST.toFile())) {
            DOCUMENTS.addAll(yaml.readValues(parser, JsonNode.class).readAll());
        }
        container = DOCUMENTS.get(0).at("/spec/template/spec/containers/0");
    }

    @Test
    void aDeploymentOfOneReplicaAndAServiceOnItsPort() {
        assertThat(DOCUMENTS).extracting(d -> d.get("kind").asText()).containsExactly("Deployment", "Service");
        assertThat(DOCUMENTS.get(0).at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(DOCUMENTS.get(1).at("/spec/type").asText()).isEqualTo("ClusterIP");
        assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(8090);
        assertThat(container.at("/image").asText())
                .isEqualTo("audit-trail-browser:" + System.getProperty("project.version", "0.1.0"));
        assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean())
                .isTrue();
        assertThat(DOCUMENTS
                        .get(0)
                        .at("/spec/template/spec/securityContext/runAsNonRoot")
                        .asBoolean())
                .isTrue();
    }

    /** The variables BrowserCommand's options read, each with its option's name. */
    static Map<String, String> variablesTheBrowserReads() {
        Map<String, String> read = new HashMap<>();
        // the definitions as written, ${env:NAME:-default}, not as this machine's environment fills them in
        for (java.lang.reflect.Field field : BrowserCommand.class.getDeclaredFields()) {
            CommandLine.Option option = field.getAnnotation(CommandLine.Option.class);
            Matcher variable = option == null
                    ? null
                    : Pattern.compile("\\$\\{env:([A-Z_]+)").matcher(option.defaultValue());
            if (variable != null && variable.find()) {
                read.put(variable.group(1), option.names()[0]);
            }
        }
        return read;
    }

    @Test
    void everyVariableIsOneTheBrowserReadsAndEveryFileItNamesIsMounted() throws Exception {
        Map<String, String> read = variablesTheBrowserReads();
        read.put("BROWSER_DB_PASSWORD", "--db-password-file");
        List<String> mounts = new ArrayList<>();
        container.get("volumeMounts").forEach(m -> mounts.add(m.get("mountPath").asText()));
        List<String> args = new ArrayList<>();
        for (JsonNode env : container.get("env")) {
            String name = env.get("name").asText();
            String value = env.get("value").asText();
            assertThat(read).as("variables the browser reads").containsKey(name);
            if (name.endsWith("_FILE") || name.endsWith("_LOG")) {
                assertThat(mounts).as("mount holding %s", value).anyMatch(value::startsWith);
            }
            if (!name.equals("BROWSER_DB_PASSWORD")) {
                args.add(read.get(name) + "=" + value);
            }
        }
        // the values parse and validate as the browser's own settings (the users file aside, which is the Secret's)
        BrowserCommand command = new BrowserCommand();
        new CommandLine(command).parseArgs(args.toArray(new String[0]));
        assertThat(command.jdbcUrl).startsWith("jdbc:postgresql://").contains("sslmode=verify-full");
        assertThat(command.secureCookies).isTrue();
        assertThat(Files.readString(Path.of("../docs/kubernetes.md")))
                .contains("deploy/kubernetes/change-browser.yaml");
    }
}
