package org.naspipeline.strategy.space;

import java.util.List;

/** Where a value stands among a space's choices, with the path of what is not there. */
public final class Choices {
    private Choices() {}

    /** Strictly increasing or strictly decreasing numbers (at least two). */
    public static boolean monotone(List<? extends Number> values) {
        if (values == null || values.size() < 2) {
            return false;
        }
        int sign = 0;
        for (int i = 1; i < values.size(); i++) {
            int s = Double.compare(values.get(i).doubleValue(), values.get(i - 1).doubleValue());
            if (s == 0 || (sign != 0 && s != sign)) {
                return false;
            }
            sign = s;
        }
        return true;
    }

    /** {@code i} when it is an index of {@code n} values; else an error naming {@code path}. */
    static int index(String path, int i, int n) {
        if (i < 0 || i >= n) {
            throw new IllegalArgumentException(path + ": count out of the space's range");
        }
        return i;
    }

    /** The index of {@code value} among {@code choices} (numbers compare by value); else an error naming {@code path}. */
    static <T> int find(String path, List<T> choices, Object value) {
        int i = choices.indexOf(value);
        if (i < 0 && value instanceof Number num) {
            for (int j = 0; j < choices.size(); j++) {
                if (choices.get(j) instanceof Number c && c.doubleValue() == num.doubleValue()) {
                    return j;
                }
            }
        }
        if (i < 0) {
            throw new IllegalArgumentException(path + ": " + value + " is not among the space's choices " + choices);
        }
        return i;
    }
}
