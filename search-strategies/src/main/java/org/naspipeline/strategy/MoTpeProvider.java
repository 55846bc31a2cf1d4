package org.naspipeline.strategy;

import java.util.List;
import org.naspipeline.api.ValidationError;

/**
 * Provides {@code motpe}: TPE on the spec's {@code objectives} and constraints (see {@link MoTpe}). Settings, as
 * for {@code tpe}: {@code gamma} (good fraction), {@code maxGood}, {@code candidates} (draws
 * from l(x) per proposal), {@code priorWeight}, {@code startupTrials} (random proposals first),
 * {@code window} (results the bad set is drawn from), {@code multivariate}, {@code constantLiar}; defaults in
 * docs/strategies.md.
 */
public final class MoTpeProvider implements SearchStrategyProvider {
    @Override
    public String name() {
        return "motpe";
    }

    private static TpeSettings read(StrategyContext context) {
        return TpeSettings.read(context);
    }

    @Override
    public List<ValidationError> validate(StrategyContext context) {
        return read(context).errors();
    }

    @Override
    public SearchStrategy create(StrategyContext context) {
        return new MoTpe(context, read(context));
    }
}
