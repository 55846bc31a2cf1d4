package org.naspipeline.controller;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;
import org.naspipeline.controller.streams.ControllerTopology;
import org.naspipeline.controller.streams.StoredTrialTable;

/**
 * The controller's package layering (docs/architecture.md, "Controller: packages"), enforced on the bytecode: the
 * decision logic knows neither Kafka nor HTTP, the Streams adapter does not know the HTTP side, and the packages
 * below the top one (which wires them together) form no cycle.
 */
class PackageLayeringTest {
    private static final String TOP = "org.naspipeline.controller";
    private static final String LOGIC = TOP + ".logic..";
    private static final String STREAMS = TOP + ".streams..";
    private static final String HTTP = TOP + ".http..";
    private static final String METRICS = TOP + ".metrics..";
    static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(TOP);

    @Test
    void theImportCoversEveryPackage() {
        // a rule over an empty selection passes: make sure each package really holds classes
        for (String pkg : new String[] {TOP, TOP + ".logic", TOP + ".streams", TOP + ".http", TOP + ".metrics"}) {
            assertThat(CLASSES.that(DescribedPredicate.describe("in " + pkg, (JavaClass c) -> c.getPackageName().equals(pkg))))
                    .as(pkg).isNotEmpty();
        }
    }

    @Test
    void theDecisionLogicDependsOnlyOnTheApiTheStrategiesAndTheJdk() {
        classes().that().resideInAPackage(LOGIC)
                .should().onlyDependOnClassesThat().resideInAnyPackage(LOGIC, "org.naspipeline.api..", "org.naspipeline.strategy..",
                        "java..", "com.fasterxml.jackson.annotation..")
                .because("the decisions are plain Java, tested without Kafka or HTTP")
                .check(CLASSES);
    }

    @Test
    void theStreamsAdapterKnowsNeitherHttpNorTheWiring() {
        noClasses().that().resideInAPackage(STREAMS)
                .should().dependOnClassesThat().resideInAnyPackage(HTTP, TOP, "io.vertx..")
                .because("the stream processor must run without the REST API (its header names live in logic.ActorHeaders)")
                .check(CLASSES);
    }

    @Test
    void httpReadsTheStoresButNeverTheProcessor() {
        // Interactive queries need the store names and the trial table's key layout, nothing of the processing.
        noClasses().that().resideInAPackage(HTTP)
                .should().dependOnClassesThat(JavaClass.Predicates.resideInAPackage(STREAMS)
                        .and(DescribedPredicate.not(JavaClass.Predicates.belongToAnyOf(ControllerTopology.class, StoredTrialTable.class))))
                .check(CLASSES);
    }

    @Test
    void metricsDependOnlyOnTheLogicsViewsAndMicrometer() {
        classes().that().resideInAPackage(METRICS)
                .should().onlyDependOnClassesThat().resideInAnyPackage(METRICS, LOGIC, "org.naspipeline.api..", "java..",
                        "io.micrometer..")
                .check(CLASSES);
    }

    @Test
    void thePackagesBelowTheTopFormNoCycle() {
        slices().matching(TOP + ".(*)..").should().beFreeOfCycles().check(CLASSES);
    }
}
