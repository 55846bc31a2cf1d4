package org.naspipeline.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.io.IOException;

/** A number, or one of the strings this codec writes for non-finite doubles; nothing else. */
final class NonFiniteDoubles extends JsonDeserializer<Double> {
    private final boolean primitive;

    NonFiniteDoubles(boolean primitive) {
        this.primitive = primitive;
    }

    @Override
    public Double deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        if (p.currentToken() == null) {
            return (Double) ctxt.handleUnexpectedToken(Double.class, p);
        }
        switch (p.currentToken()) {
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                return p.getDoubleValue();
            }
            case VALUE_STRING -> {
                switch (p.getText()) {
                    case "NaN" -> {
                        return Double.NaN;
                    }
                    case "Infinity" -> {
                        return Double.POSITIVE_INFINITY;
                    }
                    case "-Infinity" -> {
                        return Double.NEGATIVE_INFINITY;
                    }
                    default -> {
                        return (Double) ctxt.handleUnexpectedToken(Double.class, p);
                    }
                }
            }
            default -> {
                return (Double) ctxt.handleUnexpectedToken(Double.class, p);
            }
        }
    }

    @Override
    public Double getNullValue(DeserializationContext ctxt) throws JsonMappingException {
        if (primitive) {
            throw MismatchedInputException.from(ctxt.getParser(), double.class,
                    "Cannot map `null` into type double");
        }
        return null;
    }
}
