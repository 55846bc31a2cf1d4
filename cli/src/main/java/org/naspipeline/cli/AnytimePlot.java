package org.naspipeline.cli;

import java.util.List;
import java.util.Locale;

/**
 * A step plot of anytime curves as a standalone SVG: one line per series, from its first point to its end, the value
 * held until the next point (the incumbent does not change between results). Hand-written, no dependency: the plot
 * is a few dozen elements.
 */
final class AnytimePlot {
    static final int WIDTH = 720;
    static final int HEIGHT = 420;
    static final int LEFT = 70;
    static final int RIGHT = 170;
    static final int TOP = 40;
    static final int BOTTOM = 50;
    private static final String[] COLOURS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};

    private AnytimePlot() {}

    /** One line: {@code points} as (seconds, value) in time order, held to {@code endSeconds}. */
    record Series(String name, List<double[]> points, double endSeconds) {}

    /**
     * The SVG document: x from 0 to {@code xMaxSeconds} in minutes, y over the values' range rounded out to 0.05
     * (0 to 1 when there are none).
     */
    static String svg(String title, String yLabel, double xMaxSeconds, List<Series> series) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (double[] p : s.points()) {
                lo = Math.min(lo, p[1]);
                hi = Math.max(hi, p[1]);
            }
        }
        double yMin = lo == Double.POSITIVE_INFINITY ? 0 : Math.max(0, Math.floor(lo * 20 - 1e-9) / 20);
        double yMax = hi == Double.NEGATIVE_INFINITY ? 1 : Math.min(1, Math.ceil(hi * 20 + 1e-9) / 20);
        if (yMax <= yMin) {
            yMax = yMin + 0.05;
        }
        double xMax = xMaxSeconds > 0 ? xMaxSeconds : 1;
        Axes axes = new Axes(xMax, yMin, yMax);
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        b.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"24\" font-size=\"14\">%s</text>%n", LEFT, escape(title)));
        gridAndTicks(b, axes);
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            String colour = COLOURS[i % COLOURS.length];
            if (!s.points().isEmpty()) {
                b.append(String.format(Locale.ROOT, "<polyline class=\"series\" data-name=\"%s\" fill=\"none\" stroke=\"%s\" "
                        + "stroke-width=\"2\" points=\"%s\"/>%n", escape(s.name()), colour, steps(s, axes)));
            }
            int y = TOP + 10 + 20 * i;
            int x = WIDTH - RIGHT + 15;
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>%n",
                    x, y, x + 20, y, colour));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", x + 26, y + 4,
                    escape(s.name() + (s.points().isEmpty() ? " (none)" : ""))));
        }
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">wall-clock (minutes)</text>%n",
                LEFT + axes.plotWidth() / 2, HEIGHT - 12));
        b.append(String.format(Locale.ROOT, "<text transform=\"translate(16 %d) rotate(-90)\" text-anchor=\"middle\">%s</text>%n",
                TOP + axes.plotHeight() / 2, escape(yLabel)));
        b.append("</svg>\n");
        return b.toString();
    }

    /** Scales seconds and values to the plot area. */
    record Axes(double xMaxSeconds, double yMin, double yMax) {
        int plotWidth() {
            return WIDTH - LEFT - RIGHT;
        }

        int plotHeight() {
            return HEIGHT - TOP - BOTTOM;
        }

        double x(double seconds) {
            return LEFT + Math.min(seconds, xMaxSeconds) / xMaxSeconds * plotWidth();
        }

        double y(double value) {
            return TOP + (yMax - value) / (yMax - yMin) * plotHeight();
        }
    }

    /** The polyline's points: each value held from its time to the next point's, the last to the series' end. */
    static String steps(Series s, Axes axes) {
        StringBuilder pts = new StringBuilder();
        List<double[]> p = s.points();
        for (int i = 0; i < p.size(); i++) {
            double until = i + 1 < p.size() ? p.get(i + 1)[0] : Math.max(p.get(i)[0], s.endSeconds());
            point(pts, axes.x(p.get(i)[0]), axes.y(p.get(i)[1]));
            point(pts, axes.x(until), axes.y(p.get(i)[1]));
        }
        return pts.toString().trim();
    }

    private static void point(StringBuilder pts, double x, double y) {
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
    }

    private static void gridAndTicks(StringBuilder b, Axes axes) {
        int bottom = TOP + axes.plotHeight();
        int right = LEFT + axes.plotWidth();
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>%n",
                LEFT, TOP, axes.plotWidth(), axes.plotHeight()));
        double minutes = axes.xMaxSeconds() / 60;
        double step = niceStep(minutes);
        for (double m = 0; m <= minutes + 1e-9; m += step) {
            double x = axes.x(m * 60);
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n", x, TOP, x, bottom));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", x, bottom + 18,
                    label(m)));
        }
        for (double v = axes.yMin(); v <= axes.yMax() + 1e-9; v += 0.05) {
            double y = axes.y(v);
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", LEFT, y, right, y));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>%n", LEFT - 6, y + 4, v));
        }
    }

    /** A tick spacing of 1, 2 or 5 × 10^k giving at most 10 ticks. */
    static double niceStep(double range) {
        double raw = range / 10;
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double f : new double[] {1, 2, 5, 10}) {
            if (f * magnitude >= raw) {
                return f * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String label(double minutes) {
        return minutes == Math.rint(minutes) ? Long.toString(Math.round(minutes)) : String.format(Locale.ROOT, "%.1f", minutes);
    }

    /** Text safe inside an SVG element or attribute. */
    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
