package org.naspipeline.strategy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.naspipeline.api.ValidationError;

/**
 * Provides {@code bohb} (see {@link Bohb}). Settings: those of {@code tpe}, plus {@code randomFraction} (ρ, the
 * share of uniform proposals once a model exists, default 1/3 as in Falkner et al.) and {@code minPoints}
 * (N_min: a rung is modelled from N_min + 2 results, and from {@code startupTrials}; default d + 1, d the genes
 * that vary). It needs a scheduler that promotes ({@code asha} or {@code hyperband}); defaults in
 * docs/strategies.md.
 */
public final class BohbProvider implements SearchStrategyProvider {
    private record Params(TpeSettings tpe, double randomFraction, int minPoints, List<ValidationError> errors) {}

    @Override
    public String name() {
        return "bohb";
    }

    private static Params read(StrategyContext context) {
        StrategySettings s = new StrategySettings(context);
        double randomFraction = s.real("randomFraction", 1.0 / 3, 0, 1);
        int minPoints = s.integer("minPoints", 0, 1, 1_000_000); // 0: d + 1, known once the space is encoded
        TpeSettings tpe = TpeSettings.read(s);
        List<ValidationError> errors = new ArrayList<>(tpe.errors());
        if (!context.scheduler().type().promotes()) {
            errors.add(new ValidationError("scheduler.type", "must be asha or hyperband for strategy bohb, which models "
                    + "the results of each rung (got " + context.scheduler().type().name().toLowerCase(Locale.ROOT)
                    + "; without a scheduler choose tpe)"));
        }
        return new Params(tpe, randomFraction, minPoints, errors);
    }

    @Override
    public List<ValidationError> validate(StrategyContext context) {
        return read(context).errors();
    }

    @Override
    public SearchStrategy create(StrategyContext context) {
        Params p = read(context);
        return new Bohb(context, p.tpe(), p.randomFraction(), p.minPoints());
    }
}
