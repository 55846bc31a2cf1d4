package org.naspipeline.api;

import com.fasterxml.jackson.annotation.JacksonAnnotationsInside;
import com.fasterxml.jackson.annotation.JacksonInject;
import com.fasterxml.jackson.annotation.OptBoolean;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a record component added to a record that services already exchange: records written by an older version
 * lack it, and read it as null instead of failing as a missing field would. Services of both versions can then run
 * side by side during a rolling upgrade. The value given in the input is always used when present.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
@JacksonAnnotationsInside
@JacksonInject(optional = OptBoolean.TRUE, useInput = OptBoolean.TRUE)
public @interface AddedField {}
