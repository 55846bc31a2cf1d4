package org.naspipeline.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The module layering of CONTRIBUTING.md: api ← search-strategies ← services, enforced on the bytecode. */
class LayeringTest {
    static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            // Test jars of other modules (the worker's S3 test server) are test code too.
            .withImportOption(location -> !location.contains("-tests.jar"))
            .importPackages("org.naspipeline");

    @Test
    void apiImportsNothingOfOursAndOnlyJacksonAndSlf4j() {
        classes().that().resideInAPackage("org.naspipeline.api..")
                .should().onlyDependOnClassesThat().resideInAnyPackage(
                        "org.naspipeline.api..", "java..", "com.fasterxml.jackson..", "org.slf4j..")
                .check(CLASSES);
    }

    @Test
    void strategiesImportOnlyTheApi() {
        classes().that().resideInAPackage("org.naspipeline.strategy..")
                .should().onlyDependOnClassesThat().resideInAnyPackage(
                        "org.naspipeline.strategy..", "org.naspipeline.api..", "java..")
                .check(CLASSES);
    }

    @Test
    void theOpsModuleServesBothServicesAndKnowsNeitherOfThem() {
        noClasses().that().resideInAPackage("org.naspipeline.ops..")
                .should().dependOnClassesThat().resideInAnyPackage("org.naspipeline.worker..", "org.naspipeline.controller..",
                        "org.naspipeline.strategy..", "org.naspipeline.cli..", "ai.djl..")
                .check(CLASSES);
    }

    @Test
    void workerAndControllerDoNotDependOnEachOtherOrOnTheLauncher() {
        noClasses().that().resideInAPackage("org.naspipeline.worker..")
                .should().dependOnClassesThat().resideInAnyPackage("org.naspipeline.controller..", "org.naspipeline.cli..")
                .check(CLASSES);
        noClasses().that().resideInAPackage("org.naspipeline.controller..")
                .should().dependOnClassesThat().resideInAnyPackage("org.naspipeline.worker..", "org.naspipeline.cli..",
                        "ai.djl..")
                .check(CLASSES);
    }

    @Test
    void mainCodeNeverUsesTestLibrariesOrTheTestKit() {
        // Main code ships in the service images and the nas launcher: test support stays on test classpaths.
        noClasses().that().resideOutsideOfPackage("org.naspipeline.testkit..")
                .should().dependOnClassesThat().resideInAnyPackage("org.naspipeline.testkit..", "org.junit..",
                        "org.testcontainers..", "com.github.dockerjava..", "org.assertj..", "org.awaitility..")
                .check(CLASSES);
    }

    @Test
    void theDevBrokerIsUsedOnlyByTheLauncherAndTheTestKit() {
        noClasses().that().resideInAnyPackage("org.naspipeline.controller..", "org.naspipeline.worker..",
                        "org.naspipeline.ops..", "org.naspipeline.api..", "org.naspipeline.strategy..")
                .should().dependOnClassesThat().resideInAPackage("org.naspipeline.devbroker..")
                .check(CLASSES);
    }

    @Test
    void theTrialPipelineIsFreeOfKafka() {
        noClasses().that().resideInAnyPackage("org.naspipeline.worker.pipeline..", "org.naspipeline.worker.model..",
                        "org.naspipeline.worker.data..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..")
                .check(CLASSES);
    }
}
