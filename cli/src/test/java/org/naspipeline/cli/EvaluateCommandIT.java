package org.naspipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.naspipeline.api.TrialMetrics;

/** {@code nas evaluate} trains a candidate for real and prints its measurements, layer by layer too. */
class EvaluateCommandIT {
    @TempDir
    Path dir;

    @Test
    void printsTheMeasuredModelLayerByLayer() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream before = System.out;
        int exit;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            exit = Nas.commandLine().execute("evaluate", ComposeFile.REPO.resolve("examples/candidates/cnn-small.json").toString(),
                    "--epochs", "1", "--train-limit", "500", "--test-limit", "200", "--out", dir.toString());
        } finally {
            System.setOut(before);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(out).isZero();
        List<String> lines = out.lines().toList();
        int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("layer ")).findFirst().orElseThrow());
        assertThat(lines.get(header)).contains("output shape", "params", "non-zero", "MACs");
        assertThat(lines.get(header + 1)).startsWith("conv 3x3, 1->32").contains("32 x 28 x 28", "288", "225,792");
        assertThat(lines.subList(header, lines.size())).anySatisfy(l -> assertThat(l).startsWith("  body: conv 3x3, 32->64"))
                .anySatisfy(l -> assertThat(l).startsWith("  shortcut: conv 1x1, 32->64"))
                .anySatisfy(l -> assertThat(l).startsWith("residual sum (projection shortcut)"))
                .anySatisfy(l -> assertThat(l).startsWith("dense 128->10").contains("1,290", "1,280"));
    }

    @Test
    void aLongLayerDescriptionIsCutAndAMissingShapeShowsADash() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        EvaluateCommand.printLayers(new PrintStream(bytes, true, StandardCharsets.UTF_8), List.of(
                new TrialMetrics.Layer("layers[0]", "x".repeat(80), null, 1, 0, 2)));
        assertThat(bytes.toString(StandardCharsets.UTF_8).lines().toList().get(1))
                .startsWith("x".repeat(43) + "... -").endsWith("1          0            2");
    }
}
