package org.naspipeline.strategy;

/**
 * Provides {@code tpe}. Settings: {@code gamma} (good fraction), {@code maxGood}, {@code candidates} (draws
 * from l(x) per proposal), {@code priorWeight}, {@code startupTrials} (random proposals first),
 * {@code window} (results the bad set is drawn from), {@code multivariate}, {@code constantLiar}; defaults in
 * docs/strategies.md.
 */
public final class TpeProvider extends TpeFamilyProvider {
    public TpeProvider() {
        super("tpe", Tpe::new);
    }
}
