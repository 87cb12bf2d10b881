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
package org.audittrail.browser;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The browser's packages as their package-info.java say: cli, the root, web, auth, query, config; no cycles. */
class BrowserArchitectureTest {
    static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.audittrail.browser");
    }

    @Test
    void noPackageUsesOneAboveIt() {
        layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("cli")
                .definedBy("org.audittrail.browser.cli..")
                .layer("browser")
                .definedBy("org.audittrail.browser")
                .layer("web")
                .definedBy("org.audittrail.browser.web..")
                .layer("auth")
                .definedBy("org.audittrail.browser.auth..")
                .layer("query")
                .definedBy("org.audittrail.browser.query..")
                .layer("config")
                .definedBy("org.audittrail.browser.config..")
                .whereLayer("cli")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("browser")
                .mayOnlyBeAccessedByLayers("cli")
                .whereLayer("web")
                .mayOnlyBeAccessedByLayers("browser")
                .whereLayer("auth")
                .mayOnlyBeAccessedByLayers("cli", "browser", "web")
                .whereLayer("query")
                .mayOnlyBeAccessedByLayers("browser", "web", "auth")
                .whereLayer("config")
                .mayOnlyBeAccessedByLayers("cli", "browser")
                .check(classes);
    }

    @Test
    void noCycles() {
        slices().matching("org.audittrail.browser.(**)")
                .should()
                .beFreeOfCycles()
                .check(classes);
    }
}
