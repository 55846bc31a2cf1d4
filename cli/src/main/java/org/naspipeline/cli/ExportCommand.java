package org.naspipeline.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nas export ID --csv FILE}: an experiment's trials as CSV, from {@code GET …/trials?format=csv}. The file is
 * written whole or not at all (a temporary file next to it, then moved); {@code -} writes to standard output.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write an experiment's trials to a CSV file (one row per trial; pandas.read_csv reads it).")
final class ExportCommand extends ApiCommands.Target implements Callable<Integer> {
    @Parameters(index = "0", description = "experiment id")
    String id;

    @Option(names = "--csv", required = true, paramLabel = "FILE", description = "the CSV file to write (- : standard output)")
    String csv;

    @Override
    public Integer call() {
        try {
            return export(client(), id, csv);
        } catch (ApiClient.ApiException e) {
            return ApiCommands.fail(e);
        }
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
