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
package org.audittrail.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.audittrail.job.cli.Main;
import org.audittrail.job.config.JobConfig;
import org.audittrail.job.config.Option;
import org.audittrail.job.config.Options;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/kubernetes/: the FlinkDeployment is valid by the Flink Kubernetes Operator's own CRD schema (unknown fields
 * refused, as kubectl's strict field validation does), its arguments and environment parse with the job's real
 * option parser, and it names the Secret's files, the PVC and the metrics port that the other manifests define.
 */
class KubernetesManifestTest {

    private static final Path DIR = Path.of("../deploy/kubernetes");
    private static final String CRD = "META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml";
    private static final YAMLMapper YAML = new YAMLMapper();

    static JsonSchema schema;
    static JsonNode deployment;
    static JsonNode secret;

    @BeforeAll
    static void load() throws Exception {
        JsonNode crd;
        try (InputStream in = KubernetesManifestTest.class.getClassLoader().getResourceAsStream(CRD)) {
            assertThat(in).as(CRD + " on the test class path").isNotNull();
            crd = YAML.readTree(in);
        }
        JsonNode version = null;
        for (JsonNode v : crd.at("/spec/versions")) {
            if (v.get("name").asText().equals("v1beta1")) {
                version = v;
            }
        }
        assertThat(version).as("the CRD's version v1beta1").isNotNull();
        schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4)
                .getSchema(resourceSchema(version.at("/schema/openAPIV3Schema").deepCopy()));
        deployment = YAML.readTree(DIR.resolve("flink-deployment.yaml").toFile());
        secret = YAML.readTree(DIR.resolve("secret.example.yaml").toFile());
    }

    @Test
    void theDeploymentIsValidByTheOperatorsSchemaWhichRefusesBrokenOnes() {
        assertThat(errors(deployment)).isEmpty();

        // the schema is not a sieve: a wrong value, an unknown field, a wrong type, each is refused where it is
        assertThat(errors(broken(d -> job(d).put("upgradeMode", "last_state"))))
                .anyMatch(e -> e.contains("$.spec.job.upgradeMode") && e.contains("enum"));
        assertThat(errors(broken(d -> job(d).put("upgradeMod", "savepoint"))))
                .anyMatch(e -> e.contains("$.spec.job") && e.contains("upgradeMod"));
        assertThat(errors(broken(d -> job(d).put("parallelism", "one"))))
                .anyMatch(e -> e.contains("$.spec.job.parallelism") && e.contains("integer"));
        assertThat(errors(
                        broken(d -> container(d).set("volumeMount", container(d).get("volumeMounts")))))
                .anyMatch(e -> e.contains("volumeMount"));
        assertThat(errors(broken(d -> ((ObjectNode) d).put("kind", "FlinkSessionJob"))))
                .anyMatch(e -> e.contains("$.kind"));
    }

    @Test
    void itsApplicationModeUsesTheImagesJarWithSavepointUpgrades() {
        JsonNode job = deployment.at("/spec/job");
        assertThat(job.get("jarURI").asText()).isEqualTo("local:///opt/flink/usrlib/audit-trail-job.jar");
        assertThat(job.get("entryClass").asText()).isEqualTo(Main.class.getName());
        assertThat(job.get("upgradeMode").asText()).isEqualTo("savepoint");
        assertThat(deployment.at("/spec/flinkVersion").asText()).isEqualTo("v1_20");
        JsonNode conf = deployment.at("/spec/flinkConfiguration");
        // checkpoints, savepoints and HA metadata on the volume the pods mount
        String mount = mountPath("flink-data");
        for (String key : List.of("state.checkpoints.dir", "state.savepoints.dir", "high-availability.storageDir")) {
            assertThat(conf.get(key).asText()).as(key).startsWith("file://" + mount + "/");
        }
    }

    @Test
    void itsArgumentsAndEnvironmentParseWithTheJobsOptionsAndReadTheSecretsFiles(@TempDir Path secrets)
            throws Exception {
        List<String> args = new ArrayList<>();
        deployment.at("/spec/job/args").forEach(a -> args.add(a.asText()));
        assertThat(args).isNotEmpty();
        Set<String> known = new HashSet<>();
        for (Option option : Options.ALL) {
            if (option.variable() != null) {
                known.add(option.variable());
            }
            if (option.kind() == Option.Kind.SECRET) {
                known.add(option.fileVariable());
                // a password given as an argument would show in the operator's resource, the pods' spec and Flink's
                // logs
                assertThat(args).noneMatch(a -> a.equals(option.name()) || a.startsWith(option.name() + "="));
            }
        }

        // the Secret's files as the pods see them: its mount path stands for a directory of this test
        String mount = mountPath("audit-trail-secrets");
        for (var entry : secret.get("stringData").properties()) {
            Files.writeString(secrets.resolve(entry.getKey()), entry.getValue().asText());
        }
        Map<String, String> environment = new HashMap<>();
        for (JsonNode variable : container(deployment).get("env")) {
            String name = variable.get("name").asText();
            String value = variable.get("value").asText();
            assertThat(known).as("the job's variables").contains(name);
            if (name.endsWith("_FILE")) {
                assertThat(value).startsWith(mount + "/");
                String key = value.substring(mount.length() + 1);
                assertThat(secret.get("stringData").has(key))
                        .as(name + " names a file of the Secret")
                        .isTrue();
                value = secrets.resolve(key).toString();
            }
            environment.put(name, value);
        }
        assertThat(environment).containsKeys("DB_PASSWORD_FILE", "DESTINATION_DB_PASSWORD_FILE");
        // any other file an argument names in the Secret's mount, the CA certificate, is one of its keys too
        args.stream().filter(a -> a.contains("=" + mount + "/")).forEach(a -> assertThat(
                        secret.get("stringData").has(a.substring(a.indexOf(mount) + mount.length() + 1)))
                .as(a)
                .isTrue());

        JobConfig config = Main.config(environment, args.toArray(String[]::new));
        assertThat(config.source().password())
                .isEqualTo(secret.at("/stringData/db-password").asText());
        assertThat(config.destination().password())
                .isEqualTo(secret.at("/stringData/destination-db-password").asText());
        assertThat(config.source().toString()).isEqualTo("audit_trail@source-postgres.example.internal:5432/app");
        assertThat(config.destination().toString()).isEqualTo("audit_trail@audit-postgres.example.internal:5432/audit");
        assertThat(config.checkpointIntervalMs()).isEqualTo(10_000);
    }

    @Test
    void itNamesTheSecretThePersistentVolumeClaimAndTheMetricsPortTheOtherManifestsDefine() throws Exception {
        JsonNode volumes = deployment.at("/spec/podTemplate/spec/volumes");
        assertThat(volume(volumes, "audit-trail-secrets")
                        .at("/secret/secretName")
                        .asText())
                .isEqualTo(secret.at("/metadata/name").asText());
        assertThat(secret.get("kind").asText()).isEqualTo("Secret");
        JsonNode pvc = YAML.readTree(DIR.resolve("flink-data-pvc.yaml").toFile());
        assertThat(volume(volumes, "flink-data")
                        .at("/persistentVolumeClaim/claimName")
                        .asText())
                .isEqualTo(pvc.at("/metadata/name").asText());
        assertThat(pvc.at("/spec/accessModes").toString()).contains("ReadWriteMany");

        String port = deployment
                .at("/spec/flinkConfiguration/metrics.reporter.prom.port")
                .asText();
        assertThat(deployment
                        .at("/spec/flinkConfiguration/metrics.reporter.prom.factory.class")
                        .asText())
                .isEqualTo("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        assertThat(deployment
                        .at("/spec/podTemplate/metadata/annotations/prometheus.io~1port")
                        .asText())
                .isEqualTo(port);
        JsonNode metricsPort = null;
        for (JsonNode p : container(deployment).get("ports")) {
            if (p.get("name").asText().equals("metrics")) {
                metricsPort = p;
            }
        }
        assertThat(metricsPort).isNotNull();
        assertThat(metricsPort.get("containerPort").asText()).isEqualTo(port);
        JsonNode monitor = YAML.readTree(DIR.resolve("podmonitor.yaml").toFile());
        assertThat(monitor.at("/spec/podMetricsEndpoints/0/port").asText()).isEqualTo("metrics");
        assertThat(monitor.at("/spec/selector/matchLabels/app").asText())
                .isEqualTo(deployment.at("/metadata/name").asText());
    }

    /**
     * The CRD's OpenAPI schema as a JSON schema of the whole resource: objects take no field they do not define
     * (kubectl's default strict field validation), Kubernetes' own keywords are dropped, and the fields every
     * resource has are added at the top.
     */
    private static ObjectNode resourceSchema(ObjectNode openApi) {
        strict(openApi);
        ObjectNode properties = (ObjectNode) openApi.get("properties");
        properties.putObject("apiVersion").putArray("enum").add("flink.apache.org/v1beta1");
        properties.putObject("kind").putArray("enum").add("FlinkDeployment");
        ObjectNode metadata = properties.putObject("metadata").put("type", "object");
        metadata.putArray("required").add("name");
        metadata.putObject("properties").putObject("name").put("type", "string");
        openApi.putArray("required")
                .add("apiVersion")
                .add("kind")
                .add("metadata")
                .add("spec");
        return openApi;
    }

    private static void strict(JsonNode node) {
        if (node instanceof ObjectNode object) {
            if (object.has("properties")
                    && !object.has("additionalProperties")
                    && !object.path("x-kubernetes-preserve-unknown-fields").asBoolean()) {
                object.put("additionalProperties", false);
            }
            // Kubernetes' own keywords: int-or-string is also said by its anyOf, the rest do not validate
            object.properties().removeIf(e -> e.getKey().startsWith("x-kubernetes-"));
            object.properties().forEach(e -> {
                if (e.getKey().equals("properties")) {
                    e.getValue().forEach(KubernetesManifestTest::strict);
                } else {
                    strict(e.getValue());
                }
            });
        } else if (node instanceof ArrayNode array) {
            array.forEach(KubernetesManifestTest::strict);
        }
    }

    private static List<String> errors(JsonNode resource) {
        return schema.validate(resource).stream()
                .map(ValidationMessage::toString)
                .toList();
    }

    private static JsonNode broken(Consumer<JsonNode> change) {
        JsonNode copy = deployment.deepCopy();
        change.accept(copy);
        return copy;
    }

    private static ObjectNode job(JsonNode resource) {
        return (ObjectNode) resource.at("/spec/job");
    }

    private static ObjectNode container(JsonNode resource) {
        for (JsonNode c : resource.at("/spec/podTemplate/spec/containers")) {
            if (c.get("name").asText().equals("flink-main-container")) {
                return (ObjectNode) c;
            }
        }
        throw new AssertionError("no flink-main-container in the pod template");
    }

    private static String mountPath(String volume) {
        for (JsonNode m : container(deployment).get("volumeMounts")) {
            if (m.get("name").asText().equals(volume)) {
                return m.get("mountPath").asText();
            }
        }
        throw new AssertionError("volume " + volume + " is not mounted");
    }

    private static JsonNode volume(JsonNode volumes, String name) {
        for (JsonNode v : volumes) {
            if (v.get("name").asText().equals(name)) {
                return v;
            }
        }
        throw new AssertionError("no volume " + name);
    }
}
