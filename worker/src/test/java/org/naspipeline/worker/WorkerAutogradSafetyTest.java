package org.naspipeline.worker;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;
import org.naspipeline.worker.model.Scalars;

/**
 * No worker code calls an NDArray operation with a {@link Number} operand ({@code mul(2f)}, {@code div(t)},
 * {@code pow(2)}, ...): on the PyTorch engine its constant lives in a Java buffer that the backward pass may read after
 * the garbage collector freed it, which turned transformer gradients NaN at random steps. {@link Scalars} is the
 * replacement. Checked on the bytecode, so a call through any NDArray type is caught.
 */
class WorkerAutogradSafetyTest {
    private static final DescribedPredicate<JavaMethodCall> NUMBER_OPERAND = DescribedPredicate.describe(
            "an NDArray operation with a Number operand",
            call -> call.getTarget().getOwner().isAssignableTo(NDArray.class)
                    && call.getTarget().getRawParameterTypes().stream().anyMatch(t -> t.isEquivalentTo(Number.class)));

    private static final ArchRule RULE = noClasses().should().callMethodWhere(NUMBER_OPERAND)
            .because("the constant's buffer can be freed before the backward pass reads it; use model.Scalars");

    @Test
    void theWorkerNeverGivesAnNdArrayOperationANumber() {
        JavaClasses worker = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.naspipeline.worker");
        assertThat(worker).as("worker classes").hasSizeGreaterThan(50);
        RULE.check(worker);
    }

    @Test
    void theRuleCatchesSuchACall() {
        JavaClasses offender = new ClassFileImporter().importClasses(Offender.class);
        assertThatThrownBy(() -> RULE.check(offender)).isInstanceOf(AssertionError.class).hasMessageContaining("div");
    }

    /** What the rule must refuse. */
    static final class Offender {
        static NDArray halve(NDArray x) {
            return x.div(2f);
        }
    }
}
