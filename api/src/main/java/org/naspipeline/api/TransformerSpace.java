package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.math.BigInteger;
import java.util.List;
import org.naspipeline.api.TransformerArchitecture.NormPlacement;
import org.naspipeline.api.TransformerArchitecture.TokenPooling;

/**
 * A transformer-encoder space (see {@link TransformerArchitecture}): the number of encoder layers, and the width,
 * heads, MLP ratio, patch size, norm placement, pooling and dropout shared by the layers of one candidate; then
 * the head. Every width must divide by every head count, so each head gets width/heads features.
 *
 * @param blockDropout the encoder layers' dropout rates to choose from ({@code dropout} is the head's)
 */
@JsonPropertyOrder("family")
public record TransformerSpace(
        IntRange layers,
        List<Integer> widths,
        List<Integer> heads,
        List<Double> mlpRatios,
        List<Integer> patchSizes,
        List<NormPlacement> norms,
        List<TokenPooling> poolings,
        List<Double> blockDropout,
        List<Integer> denseUnits,
        List<Double> dropout) implements ArchitectureSpace {

    /** Fills the optional choice lists with their defaults: MLP ratio 4, pre-norm, class token, no dropout. */
    public TransformerSpace {
        mlpRatios = ArchitectureSpace.orDefault(mlpRatios, List.of(4.0));
        norms = ArchitectureSpace.orDefault(norms, List.of(NormPlacement.PRE));
        poolings = ArchitectureSpace.orDefault(poolings, List.of(TokenPooling.CLS));
        blockDropout = ArchitectureSpace.orDefault(blockDropout, List.of(0.0));
        denseUnits = ArchitectureSpace.orDefault(denseUnits, List.of(0));
        dropout = ArchitectureSpace.orDefault(dropout, List.of(0.0));
    }

    @Override
    public ModelFamily family() {
        return ModelFamily.TRANSFORMER;
    }

    @Override
    public void validate(Errors errors, String path) {
        if (errors.required(path + ".layers", layers)) {
            layers.validate(errors, path + ".layers", 1, 8);
        }
        boolean widthsOk = errors.nonEmpty(path + ".widths", widths);
        if (widthsOk) {
            for (int i = 0; i < widths.size(); i++) {
                errors.range(path + ".widths[" + i + "]", widths.get(i), 4, 1024);
            }
        }
        if (errors.nonEmpty(path + ".heads", heads)) {
            for (int j = 0; j < heads.size(); j++) {
                errors.range(path + ".heads[" + j + "]", heads.get(j), 1, 16);
            }
            for (int i = 0; widthsOk && i < widths.size(); i++) {
                for (int j = 0; j < heads.size(); j++) {
                    Integer w = widths.get(i);
                    Integer h = heads.get(j);
                    if (w != null && h != null && h > 0 && w % h != 0) {
                        errors.add(path + ".widths[" + i + "]", w + " does not divide by heads[" + j + "] = " + h
                                + ": every width must divide by every head count (each head gets width/heads features)");
                    }
                }
            }
        }
        if (errors.nonEmpty(path + ".mlpRatios", mlpRatios)) {
            for (int i = 0; i < mlpRatios.size(); i++) {
                errors.range(path + ".mlpRatios[" + i + "]", mlpRatios.get(i), 0.25, 8.0);
            }
        }
        if (errors.nonEmpty(path + ".patchSizes", patchSizes)) {
            for (int i = 0; i < patchSizes.size(); i++) {
                errors.range(path + ".patchSizes[" + i + "]", patchSizes.get(i), 1, 32);
            }
        }
        errors.nonEmpty(path + ".norms", norms);
        errors.nonEmpty(path + ".poolings", poolings);
        if (errors.nonEmpty(path + ".blockDropout", blockDropout)) {
            for (int i = 0; i < blockDropout.size(); i++) {
                errors.range(path + ".blockDropout[" + i + "]", blockDropout.get(i), 0.0, 0.9);
            }
        }
        ArchitectureSpace.validateHead(errors, path, denseUnits, dropout);
    }

    @Override
    public BigInteger cardinality() {
        long body = (long) layers.size() * widths.size() * heads.size() * mlpRatios.size() * patchSizes.size()
                * norms.size() * poolings.size() * blockDropout.size();
        return BigInteger.valueOf(body).multiply(ArchitectureSpace.headCount(denseUnits, dropout));
    }

    @Override
    public <R> R accept(Cases<R> cases) {
        return cases.transformer(this);
    }
}
