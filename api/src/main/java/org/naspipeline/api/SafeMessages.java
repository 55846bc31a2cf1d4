package org.naspipeline.api;

import java.util.regex.Pattern;

/**
 * The message of an unexpected error, fit to show to a user or to put in a record: the exception's own message when
 * it names no Java type, member or package, otherwise a plain phrase. (Where a message says "Cannot invoke
 * \"java.util.List.size()\"", the user learns nothing and reads internals.) The full exception belongs in the log.
 */
public final class SafeMessages {
    /** Qualified names, member calls, nested-class dollars and exception type names. */
    private static final Pattern JAVA_NAME = Pattern.compile(
            "\\b[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*\\.[A-Za-z]|\\$|\\b[A-Za-z]+(Exception|Error)\\b|\\b[A-Z][A-Za-z0-9]*\\.[a-z][A-Za-z0-9]*\\(");

    private SafeMessages() {}

    /** The message of {@code e} without Java names, at most 80 characters, or {@code fallback}. */
    public static String of(Throwable e, String fallback) {
        String m = e.getMessage();
        if (m == null || m.isBlank() || JAVA_NAME.matcher(m).find()) {
            return fallback;
        }
        return RecordChecks.abbreviate(m.strip());
    }
}
