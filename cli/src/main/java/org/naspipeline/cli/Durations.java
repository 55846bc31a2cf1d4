package org.naspipeline.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Durations on the command line as people write them: {@code 90s}, {@code 10m}, {@code 1h30m}, {@code 500ms},
 * {@code 2d}, or ISO-8601 ({@code PT10M}). Registered for every {@link Duration} option of {@code nas}.
 */
final class Durations implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)");
    private static final Pattern WHOLE = Pattern.compile("(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d))+");

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    /** The duration {@code value} stands for; an unreadable or negative one is refused with what to write instead. */
    static Duration parse(String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        Duration d;
        if (v.startsWith("p") || v.startsWith("-p")) {
            try {
                d = Duration.parse(v.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw refused(value);
            }
        } else if (WHOLE.matcher(v).matches()) {
            d = Duration.ZERO;
            Matcher m = PART.matcher(v);
            while (m.find()) {
                double amount = Double.parseDouble(m.group(1));
                long unitNanos = switch (m.group(2)) {
                    case "ms" -> 1_000_000L;
                    case "s" -> 1_000_000_000L;
                    case "m" -> 60_000_000_000L;
                    case "h" -> 3_600_000_000_000L;
                    default -> 86_400_000_000_000L;
                };
                if (amount * unitNanos > Long.MAX_VALUE / 2.0) {
                    throw refused(value);
                }
                d = d.plusNanos(Math.round(amount * unitNanos));
            }
        } else {
            throw refused(value);
        }
        if (d.isNegative()) {
            throw new CommandLine.TypeConversionException("'" + value + "' is negative; a duration must be 0 or more");
        }
        return d;
    }

    private static CommandLine.TypeConversionException refused(String value) {
        return new CommandLine.TypeConversionException("'" + value + "' is not a duration: write e.g. 90s, 10m, 1h30m, 2d, or ISO-8601 PT10M");
    }
}
