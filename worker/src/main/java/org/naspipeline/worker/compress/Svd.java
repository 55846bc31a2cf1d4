package org.naspipeline.worker.compress;

/**
 * Thin singular value decomposition {@code A = U·diag(S)·Vᵀ} of a dense row-major matrix by one-sided Jacobi
 * rotations (Hestenes), in double precision. It orthogonalizes the columns of A or of Aᵀ, whichever has fewer,
 * so an (m × n) matrix costs about min(m, n)² · max(m, n) per sweep; the layers it serves are at most a few
 * thousand wide. Singular values come out in descending order.
 */
final class Svd {
    private static final int MAX_SWEEPS = 80;
    private static final double EPS = 1e-12;

    /** U (m × k, row-major), S (k), V (n × k, row-major) with k = min(m, n). */
    record Result(double[] u, double[] s, double[] v, int m, int n, int k) {}

    private Svd() {}

    /** Decomposes the (m × n) row-major matrix {@code a}. */
    static Result of(double[] a, int m, int n) {
        if (m < n) {
            Result t = of(transpose(a, m, n), n, m); // Aᵀ = U'·S·V'ᵀ, so A = V'·S·U'ᵀ
            return new Result(t.v(), t.s(), t.u(), m, n, t.k());
        }
        int k = n;
        double[][] cols = new double[n][m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                cols[j][i] = a[i * n + j];
            }
        }
        double[][] v = new double[n][n];
        for (int j = 0; j < n; j++) {
            v[j][j] = 1;
        }
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            boolean rotated = false;
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    double alpha = dot(cols[p], cols[p]);
                    double beta = dot(cols[q], cols[q]);
                    double gamma = dot(cols[p], cols[q]);
                    if (Math.abs(gamma) <= EPS * Math.sqrt(alpha * beta) || gamma == 0) {
                        continue;
                    }
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.signum(zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
                    if (zeta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(1 + t * t);
                    double s = c * t;
                    rotate(cols[p], cols[q], c, s);
                    rotate(v[p], v[q], c, s);
                }
            }
            if (!rotated) {
                break;
            }
        }
        double[] sigma = new double[k];
        Integer[] order = new Integer[k];
        for (int j = 0; j < k; j++) {
            sigma[j] = Math.sqrt(dot(cols[j], cols[j]));
            order[j] = j;
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(sigma[y], sigma[x]));
        double[] u = new double[m * k];
        double[] s = new double[k];
        double[] vv = new double[n * k];
        for (int r = 0; r < k; r++) {
            int j = order[r];
            s[r] = sigma[j];
            for (int i = 0; i < m; i++) {
                u[i * k + r] = sigma[j] > 0 ? cols[j][i] / sigma[j] : 0;
            }
            for (int i = 0; i < n; i++) {
                vv[i * k + r] = v[j][i]; // v[j] holds column j of V
            }
        }
        return new Result(u, s, vv, m, n, k);
    }

    private static void rotate(double[] x, double[] y, double c, double s) {
        for (int i = 0; i < x.length; i++) {
            double xi = x[i];
            double yi = y[i];
            x[i] = c * xi - s * yi;
            y[i] = s * xi + c * yi;
        }
    }

    private static double dot(double[] x, double[] y) {
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            sum += x[i] * y[i];
        }
        return sum;
    }

    static double[] transpose(double[] a, int m, int n) {
        double[] t = new double[a.length];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                t[j * m + i] = a[i * n + j];
            }
        }
        return t;
    }
}
