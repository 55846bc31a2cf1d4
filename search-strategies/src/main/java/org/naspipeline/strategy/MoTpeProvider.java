package org.naspipeline.strategy;

/**
 * Provides {@code motpe}: TPE on the spec's {@code objectives} and constraints (see {@link MoTpe}). Settings, as
 * for {@code tpe}: {@code gamma} (good fraction), {@code maxGood}, {@code candidates} (draws
 * from l(x) per proposal), {@code priorWeight}, {@code startupTrials} (random proposals first),
 * {@code window} (results the bad set is drawn from), {@code multivariate}, {@code constantLiar}; defaults in
 * docs/strategies.md.
 */
public final class MoTpeProvider extends TpeFamilyProvider {
    public MoTpeProvider() {
        super("motpe", MoTpe::new);
    }
}
