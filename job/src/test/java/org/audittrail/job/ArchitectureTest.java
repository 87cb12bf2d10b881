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

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The packages follow the pipeline: none uses one above it, none forms a cycle, each says what it owns under the license header. */
class ArchitectureTest {

    static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.audittrail.job", "org.audittrail.udf");
    }

    @Test
    void noPackageUsesOneAboveIt() {
        layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("cli")
                .definedBy("org.audittrail.job.cli..")
                .layer("pipeline")
                .definedBy("org.audittrail.job")
                .layer("config")
                .definedBy("org.audittrail.job.config..")
                .layer("source")
                .definedBy("org.audittrail.job.source..")
                .layer("setup")
                .definedBy("org.audittrail.job.setup..")
                .layer("sink")
                .definedBy("org.audittrail.job.sink..")
                .layer("db")
                .definedBy("org.audittrail.job.db")
                .layer("ssh")
                .definedBy("org.audittrail.job.db.ssh..")
                .layer("chain")
                .definedBy("org.audittrail.job.chain..")
                .layer("undo")
                .definedBy("org.audittrail.job.undo..")
                .layer("links")
                .definedBy("org.audittrail.udf.chain..")
                .layer("functions")
                .definedBy("org.audittrail.udf.functions..")
                .layer("selection")
                .definedBy("org.audittrail.udf.selection..")
                .layer("model")
                .definedBy("org.audittrail.udf.model..")
                .layer("values")
                .definedBy("org.audittrail.udf.values..")
                .whereLayer("cli")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("pipeline")
                .mayOnlyBeAccessedByLayers("cli")
                .whereLayer("config")
                .mayOnlyBeAccessedByLayers("cli", "pipeline")
                .whereLayer("source")
                .mayOnlyBeAccessedByLayers("cli", "pipeline")
                .whereLayer("setup")
                .mayOnlyBeAccessedByLayers("cli", "pipeline", "config", "source")
                .whereLayer("sink")
                .mayOnlyBeAccessedByLayers("cli", "pipeline")
                .whereLayer("db")
                .mayOnlyBeAccessedByLayers("cli", "pipeline", "config", "source", "setup", "sink", "chain")
                .whereLayer("ssh")
                .mayOnlyBeAccessedByLayers("cli", "pipeline", "config", "source", "setup", "sink", "db")
                .whereLayer("chain")
                .mayOnlyBeAccessedByLayers("cli", "pipeline", "config")
                .whereLayer("undo")
                .mayOnlyBeAccessedByLayers("cli", "config")
                .whereLayer("links")
                .mayOnlyBeAccessedByLayers("pipeline", "chain", "functions")
                .whereLayer("functions")
                .mayOnlyBeAccessedByLayers("pipeline", "source")
                .whereLayer("selection")
                .mayOnlyBeAccessedByLayers("cli", "pipeline", "config", "source", "setup", "functions")
                .whereLayer("model")
                .mayOnlyBeAccessedByLayers("pipeline", "source", "sink", "functions", "selection", "links", "chain")
                .check(classes);
    }

    @Test
    void noCycles() {
        slices().matching("org.audittrail.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void everyPackageSaysWhatItOwnsAndMayUse() throws Exception {
        for (Path root : List.of(
                Path.of("src/main/java"), Path.of("../udf/src/main/java"), Path.of("../browser/src/main/java"))) {
            try (Stream<Path> files = Files.walk(root)) {
                List<Path> packages = files.filter(p -> p.toString().endsWith(".java"))
                        .map(Path::getParent)
                        .distinct()
                        .toList();
                for (Path dir : packages) {
                    assertThat(dir.resolve("package-info.java"))
                            .as(dir.toString())
                            .exists();
                    // Spotless puts the license header on every other file, but skips package-info.java
                    assertThat(Files.readString(dir.resolve("package-info.java")))
                            .startsWith(Files.readString(Path.of("../.license-header")));
                }
            }
        }
    }
}
