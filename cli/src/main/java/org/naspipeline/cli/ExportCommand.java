package org.naspipeline.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nas export ID --csv FILE}: an experiment's trials as CSV, from {@code GET …/trials?format=csv}. The file is
 * written whole or not at all (a temporary file next to it, then moved); {@code -} writes to standard output.
 * {@code nas export ID --format onnx --out DIR [--trial T | --best] [--force]}: one trial's deployable model files
 * from the artifact store (see {@link OnnxExport}).
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write an experiment's trials to a CSV file (--csv FILE; one row per trial; pandas.read_csv reads it), "
                + "or copy one trial's deployable ONNX files from the artifact store into a directory (--format onnx --out DIR).",
                "ONNX: the files the trial's result lists (model.onnx, model.int8.onnx when quantized) with its candidate.json and "
                        + "metrics.json; s3:// artifacts are read with NAS_S3_ENDPOINT, NAS_S3_REGION, NAS_S3_PATH_STYLE and the AWS "
                        + "credentials of the environment, as `nas worker` reads them."})
final class ExportCommand extends ApiCommands.Target implements Callable<Integer> {
    /** The formats {@code --format} takes. */
    static final String ONNX = "onnx";

    @Parameters(index = "0", description = "experiment id")
    String id;

    @Option(names = "--csv", paramLabel = "FILE", description = "the CSV file of the trials to write (- : standard output)")
    String csv;

    @Option(names = "--format", paramLabel = "FORMAT", description = "onnx: a trial's deployable ONNX files into --out DIR")
    String format;

    @Option(names = "--out", paramLabel = "DIR", description = "with --format onnx: the directory to write the files into "
            + "(created when missing)")
    String out;

    @Option(names = "--trial", paramLabel = "TRIAL", description = "with --format onnx: the trial to export (default: --best)")
    String trial;

    @Option(names = "--best", description = "with --format onnx: the experiment's best trial, the one feasible trial on its "
            + "Pareto front (with one objective, the best feasible trial by it); refused, with the front's trials listed, "
            + "when the front holds several (default when --trial is not given)")
    boolean best;

    @Option(names = "--force", description = "with --format onnx: replace files of the same names in --out")
    boolean force;

    @Override
    public Integer call() {
        String usage = usageError();
        if (usage != null) {
            System.err.println("nas export: " + usage);
            System.err.println("`nas export --help` shows the usage");
            return 2;
        }
        try {
            if (csv != null) {
                return export(client(), id, csv);
            }
            return new OnnxExport(client(), System.out, System.getenv()).run(id, trial, Path.of(out), force);
        } catch (ApiClient.ApiException e) {
            return ApiCommands.fail(e);
        }
    }

    /** What is wrong with the options given, before anything is asked or written; null when nothing. */
    String usageError() {
        if (csv != null && format != null) {
            return "--csv and --format exclude each other: --csv FILE writes the trials table, --format onnx --out DIR a trial's "
                    + "model files";
        }
        if (csv == null && format == null) {
            return "give --csv FILE (the trials as CSV) or --format onnx --out DIR (a trial's ONNX files)";
        }
        if (csv != null) {
            List<String> onnxOnly = new ArrayList<>();
            if (out != null) {
                onnxOnly.add("--out");
            }
            if (trial != null) {
                onnxOnly.add("--trial");
            }
            if (best) {
                onnxOnly.add("--best");
            }
            if (force) {
                onnxOnly.add("--force");
            }
            return onnxOnly.isEmpty() ? null : String.join(", ", onnxOnly) + " go" + (onnxOnly.size() == 1 ? "es" : "")
                    + " with --format onnx, not with --csv FILE";
        }
        if (!format.equals(ONNX)) {
            return "--format: unknown format '" + org.naspipeline.api.RecordChecks.abbreviate(format) + "'; known: " + ONNX
                    + " (the trials table: --csv FILE)";
        }
        if (trial != null && best) {
            return "--trial and --best exclude each other: --trial names the trial, --best picks the experiment's best";
        }
        if (trial != null && trial.isBlank()) {
            return "--trial: is empty (give a trial id, e.g. from `nas trials " + id + "`)";
        }
        if (out == null || out.isBlank()) {
            return "--format onnx needs --out DIR, the directory to write the files into";
        }
        Path dir;
        try {
            dir = Path.of(out);
        } catch (java.nio.file.InvalidPathException e) {
            return "--out: '" + org.naspipeline.api.RecordChecks.abbreviate(out) + "' is not a path: " + e.getReason();
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            return "--out: " + out + " is a file, not a directory";
        }
        return null;
    }

    /** Writes the trials of {@code id} as CSV to {@code csv} ({@code -}: standard output); the exit status. */
    static int export(ApiClient api, String id, String csv) {
        byte[] body = api.getBytes(ApiClient.experiment(id, "/trials?format=csv"), Duration.ofSeconds(60));
        if ("-".equals(csv)) {
            System.out.write(body, 0, body.length);
            System.out.flush();
            return 0;
        }
        return write(Path.of(csv), body);
    }

    /** Writes {@code body} to {@code file} through a temporary sibling, so a failure leaves no partial file. */
    static int write(Path file, byte[] body) {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Path temp = null;
        try {
            temp = Files.createTempFile(dir, "." + target.getFileName(), ".part");
            Files.write(temp, body);
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            System.err.println("wrote " + file + " (" + (countLines(body) - 1) + " trials)");
            return 0;
        } catch (NoSuchFileException e) {
            System.err.println("--csv: no such directory: " + dir);
            return 2;
        } catch (IOException e) {
            System.err.println("--csv: cannot write " + file + ": " + e.getMessage());
            return 2;
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    System.err.println("--csv: could not remove the temporary file " + temp + ": " + e.getMessage());
                }
            }
        }
    }

    /** Records in the CSV: CRLF line ends outside quotes. */
    private static int countLines(byte[] body) {
        int lines = 0;
        boolean quoted = false;
        for (byte b : body) {
            if (b == '"') {
                quoted = !quoted;
            } else if (b == '\n' && !quoted) {
                lines++;
            }
        }
        return lines;
    }
}
