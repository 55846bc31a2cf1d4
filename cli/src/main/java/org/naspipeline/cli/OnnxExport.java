package org.naspipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.naspipeline.api.RecordChecks;
import org.naspipeline.api.config.Settings;
import org.naspipeline.worker.artifact.ArtifactLocation;
import org.naspipeline.worker.artifact.ArtifactStores;
import org.naspipeline.worker.artifact.S3Settings;
import org.naspipeline.worker.pipeline.ArtifactStore;
import org.naspipeline.worker.service.WorkerConfig;

/**
 * {@code nas export ID --format onnx --out DIR [--trial T | --best] [--force]}: the deployable model files of one
 * completed trial (its result's {@code metrics.inference.files}), with the attempt's {@code candidate.json} and
 * {@code metrics.json}, copied from the artifact store into DIR through the worker's store code (a {@code file:}
 * attempt is read in place; an {@code s3://} one is downloaded with the {@code NAS_S3_*} settings and the AWS
 * credentials of the environment, as {@code nas worker} reads them). Every file is staged in a hidden directory inside
 * DIR and moved into place only when all of them are there, so a failure leaves DIR as it was ({@link StagedWrite}).
 */
final class OnnxExport {
    /** The attempt's files written beside the model files. */
    static final List<String> METADATA = List.of(ArtifactStore.CANDIDATE_FILE, ArtifactStore.METRICS_FILE);
    private static final int FRONT_SHOWN = 10;

    /** What stops an export: the message for the user and the exit status. */
    static final class Failure extends RuntimeException {
        final int code;

        Failure(int code, String message) {
            super(message);
            this.code = code;
        }
    }

    private final ApiClient api;
    private final PrintStream out;
    private final Map<String, String> environment;

    /** An export through {@code api}, reporting to {@code out}, with the S3 settings of {@code environment}. */
    OnnxExport(ApiClient api, PrintStream out, Map<String, String> environment) {
        this.api = api;
        this.out = out;
        this.environment = environment;
    }

    /** Exports trial {@code trial} of {@code id} (null: the best, see {@link #best}) into {@code dir}; the exit status. */
    int run(String id, String trial, Path dir, boolean force) {
        try {
            String trialId = trial != null ? trial : best(id);
            export(id, trialId, dir, force);
            return 0;
        } catch (Failure f) {
            System.err.println(f.getMessage());
            return f.code;
        }
    }

    /**
     * The experiment's best trial: the one feasible trial on its Pareto front. With one objective that is the best
     * feasible trial by it; with several, a front of one trial is best in every objective, and a larger front has no
     * single best, so the user is shown its trials and asked to pick one with {@code --trial} (exit 2).
     */
    String best(String id) {
        JsonNode pareto = api.get(ApiClient.experiment(id, "/pareto"));
        List<String> objectives = new ArrayList<>();
        pareto.path("objectives").forEach(o -> objectives.add(o.path("metric").asText() + " (" + o.path("goal").asText() + ")"));
        JsonNode front = pareto.path("front");
        if (front.isEmpty()) {
            throw new Failure(1, "--best: experiment '" + id + "' has no completed trial that meets its constraints yet: nothing to "
                    + "export (`nas trials " + id + "` lists its trials; name one with --trial)");
        }
        if (front.size() == 1) {
            String trialId = front.get(0).path("trialId").asText();
            out.println("best: trial " + trialId + " (" + (objectives.size() == 1 ? "the best feasible trial by " + objectives.get(0)
                    : "the only trial on the Pareto front of " + String.join(", ", objectives)) + ")");
            return trialId;
        }
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < Math.min(FRONT_SHOWN, front.size()); i++) {
            StringBuilder point = new StringBuilder(front.get(i).path("trialId").asText()).append(" (");
            List<String> values = new ArrayList<>();
            front.get(i).path("objectives").fields().forEachRemaining(f -> values.add(f.getKey() + " "
                    + String.format(Locale.ROOT, "%.4g", f.getValue().asDouble())));
            shown.add(point.append(String.join(", ", values)).append(')').toString());
        }
        throw new Failure(2, "--best: experiment '" + id + "' has " + objectives.size() + " objectives (" + String.join(", ", objectives)
                + ") and " + front.size() + " trials on its Pareto front, so no single best: name one with --trial\n  "
                + String.join(", ", shown) + (front.size() > FRONT_SHOWN ? ", … (`nas pareto " + id + "` lists them all)" : ""));
    }

    private void export(String id, String trialId, Path dir, boolean force) {
        JsonNode trial = api.get(ApiClient.experiment(id, "/trials/" + ApiClient.encode(trialId))).path("row").path("trial");
        String what = "trial '" + trialId + "' of experiment '" + id + "'";
        String status = trial.path("status").asText();
        if (status.equals("failed")) {
            throw new Failure(1, what + " failed (" + RecordChecks.abbreviate(trial.path("reason").asText("no reason given"))
                    + "): it has no model to export");
        }
        if (!status.equals("completed")) {
            throw new Failure(1, what + " is " + status + " (attempt " + trial.path("attempt").asInt() + "): it has no model until it "
                    + "completes (`nas status " + id + " --watch` follows the experiment)");
        }
        JsonNode inference = trial.path("metrics").path("inference");
        if (!inference.isObject()) {
            throw new Failure(1, what + " was measured by a worker without ONNX export (its result has no metrics.inference): "
                    + "it has no ONNX files; run it on a current worker to get them");
        }
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < inference.path("files").size(); i++) {
            names.add(plainName("metrics.inference.files[" + i + "]", inference.path("files").get(i).asText()));
        }
        if (names.isEmpty()) {
            throw new Failure(1, what + " lists no deployable files (metrics.inference.files is empty): nothing to export");
        }
        names.addAll(METADATA);
        String artifactUri = trial.path("artifactUri").asText("");
        if (artifactUri.isBlank()) {
            throw new Failure(1, what + " has no artifactUri: its worker saved no model");
        }
        List<StagedWrite.Written> written = new StagedWrite(dir, force).write(new ArrayList<>(names),
                staged -> fetch(what, artifactUri, names, staged));
        for (StagedWrite.Written w : written) {
            out.printf(Locale.ROOT, "wrote %s (%,d bytes)%n", w.file(), w.bytes());
        }
        List<String> kernels = new ArrayList<>();
        inference.path("kernels").forEach(k -> kernels.add(k.asText()));
        out.printf(Locale.ROOT, "measured: %s in %s, test accuracy %.4f%s; kernels that ran: %s%n", inference.path("model").asText(),
                inference.path("runtime").asText(), trial.path("metrics").path("testAccuracy").asDouble(),
                inference.path("fp32TestAccuracy").isNumber() ? String.format(Locale.ROOT, " (fp32 file %.4f)",
                        inference.path("fp32TestAccuracy").asDouble()) : "",
                kernels.isEmpty() ? "– (the runtime reports none)" : String.join(", ", kernels));
    }

    /** A file name of the attempt as the result gives it: plain, so that it cannot lead out of DIR. */
    private static String plainName(String path, String name) {
        if (!name.matches("[A-Za-z0-9._-]{1,100}") || name.equals(".") || name.equals("..")) {
            throw new Failure(1, "the controller's answer is not usable: " + path + " is not a plain file name (got '"
                    + RecordChecks.abbreviate(name) + "')");
        }
        return name;
    }

    /**
     * Reads the attempt at {@code artifactUri} from its store into {@code into} (a scratch directory) and copies
     * {@code names} from it to {@code staged}; every way the store can fail is a {@link Failure} saying what to fix.
     */
    private void fetch(String what, String artifactUri, Set<String> names, Path staged) {
        boolean s3 = artifactUri.toLowerCase(Locale.ROOT).startsWith("s3:");
        S3Settings settings;
        try {
            settings = s3 ? WorkerConfig.s3(new Settings(environment)) : S3Settings.AWS;
        } catch (IllegalArgumentException e) {
            throw new Failure(2, e.getMessage()); // a malformed NAS_S3_* variable, named in the message
        }
        ArtifactStore store;
        try {
            store = ArtifactStores.open(artifactUri, s3 ? "s3://" + ArtifactLocation.bucket(artifactUri).bucket() : artifactUri, settings);
        } catch (IllegalArgumentException | IllegalStateException e) {
            // no credentials, an endpoint that cannot be reached, no such bucket, no access: each names what to fix
            throw new Failure(1, e.getMessage());
        }
        Path attempt;
        try {
            attempt = store.fetch(artifactUri, staged.resolveSibling("store"));
        } catch (IllegalArgumentException | IOException e) {
            throw new Failure(1, "cannot read " + what + " from the artifact store: " + e.getMessage());
        } finally {
            if (store instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    System.err.println("(could not close the connection to the artifact store: " + e.getMessage() + ")");
                }
            }
        }
        if (!Files.isRegularFile(attempt.resolve(ArtifactStore.CANDIDATE_FILE))) {
            throw new Failure(1, "the attempt of " + what + " is not in the artifact store at " + artifactUri + " (no "
                    + ArtifactStore.CANDIDATE_FILE + " there): it was deleted" + (s3 ? "" : ", or it is on another machine "
                    + "(run nas export where the workers' NAS_ARTIFACT_URI directory is mounted)"));
        }
        List<String> missing = names.stream().filter(n -> !Files.isRegularFile(attempt.resolve(n))).toList();
        if (!missing.isEmpty()) {
            throw new Failure(1, String.join(", ", missing) + ": listed in the result of " + what + " but missing from its attempt at "
                    + artifactUri + " (deleted from the artifact store?)");
        }
        for (String name : names) {
            try {
                Files.copy(attempt.resolve(name), staged.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new Failure(1, "cannot copy " + name + " of " + what + " from " + artifactUri + ": " + e.getMessage());
            }
        }
    }
}
