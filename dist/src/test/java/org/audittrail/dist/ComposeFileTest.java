package org.audittrail.dist;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Static checks of docker-compose.yml, which no Docker engine runs here: it parses (anchors and merges resolved as
 * Compose resolves them), every mounted path exists, every image tag is pinned, every variable is in .env.example, and
 * the Flink image's conventions are kept (writable config, JobManager address, restart policy, state volume).
 */
class ComposeFileTest {

    private static final Path ROOT = Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z0-9_]+)(?::?-([^}]*))?}");

    private static String text;
    private static Map<String, Object> compose;
    private static Map<String, String> envExample;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void parse() throws IOException {
        text = Files.readString(ROOT.resolve("docker-compose.yml"));
        compose = new Yaml().load(text);
        envExample = new LinkedHashMap<>();
        for (String line : Files.readAllLines(ROOT.resolve(".env.example"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                String[] pair = line.split("=", 2);
                envExample.put(pair[0].trim(), pair[1].trim());
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> services() {
        return (Map<String, Map<String, Object>>) compose.get("services");
    }

    /** A value with each ${VAR:-default} replaced as Compose would without a .env file, and with .env.example as .env. */
    private static List<String> resolved(String value) {
        return List.of(substitute(value, Map.of()), substitute(value, envExample));
    }

    private static String substitute(String value, Map<String, String> env) {
        StringBuilder out = new StringBuilder();
        Matcher m = VARIABLE.matcher(value);
        while (m.find()) {
            String fallback = m.group(2) == null ? "" : m.group(2);
            m.appendReplacement(out, Matcher.quoteReplacement(env.getOrDefault(m.group(1), fallback)));
        }
        return m.appendTail(out).toString();
    }

    @Test
    void everyImageTagIsPinned() {
        services().forEach((name, service) -> {
            assertThat(service.get("image")).as("image of %s", name).isNotNull();
            for (String image : resolved((String) service.get("image"))) {
                // a version with at least major.minor: not latest, not a bare major that moves
                assertThat(image).as("image of %s", name).matches("[a-z0-9./_-]+:\\d+\\.\\d+(\\.\\d+)?([-_][A-Za-z0-9._-]+)?");
            }
        });
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyMountedPathExistsAndEveryVolumeIsDeclared() {
        Set<String> declared = ((Map<String, Object>) compose.get("volumes")).keySet();
        services().forEach((name, service) -> {
            for (Object volume : (List<Object>) service.getOrDefault("volumes", List.of())) {
                String source = ((String) volume).split(":")[0];
                if (source.startsWith(".") || source.startsWith("/")) {
                    // the job jar exists once the job module is packaged, as the reactor does before this module
                    assertThat(ROOT.resolve(source).normalize()).as("%s mounts %s", name, source).exists();
                } else {
                    assertThat(declared).as("%s uses volume %s", name, source).contains(source);
                }
            }
        });
    }

    @Test
    void everyVariableIsInEnvExample() {
        Set<String> used = new TreeSet<>();
        Matcher m = VARIABLE.matcher(text);
        while (m.find()) {
            used.add(m.group(1));
        }
        assertThat(envExample.keySet()).containsAll(used);
    }

    @Test
    @SuppressWarnings("unchecked")
    void flinkContainersFollowTheImagesConventions() {
        for (String name : List.of("jobmanager", "taskmanager")) {
            Map<String, Object> service = services().get(name);
            Map<String, Object> environment = (Map<String, Object>) service.get("environment");
            // else a TaskManager's entrypoint writes its own host name as the JobManager's address
            assertThat(environment).as(name).containsEntry("JOB_MANAGER_RPC_ADDRESS", "jobmanager");
            for (Object volume : (List<Object>) service.get("volumes")) {
                // the image's entrypoint rewrites conf/config.yaml: a read-only file mounted there stops it
                assertThat(((String) volume).split(":")[1]).as("%s mounts %s", name, volume).doesNotStartWith("/opt/flink/conf");
            }
            assertThat(service.get("entrypoint")).as("%s: conf/ and the state volume prepared as root", name)
                    .isEqualTo(List.of("/opt/audit-trail/flink-entrypoint.sh"));
        }
        assertThat((List<String>) services().get("jobmanager").get("command")).contains("standalone-job");
    }

    @Test
    void everyServiceRestarts() {
        services().forEach((name, service) -> assertThat(service.get("restart")).as("restart policy of %s", name)
                .isIn("always", "unless-stopped", "on-failure"));
    }

    @Test
    void entrypointScriptIsExecutableAndUsesTheConfigOfTheRepository() throws IOException {
        Path script = ROOT.resolve("docker/flink-entrypoint.sh");
        assertThat(Files.isExecutable(script)).isTrue();
        assertThat(Files.readString(script)).contains("/opt/audit-trail/flink-conf/config.yaml", "exec /docker-entrypoint.sh");
    }
}
