package org.naspipeline.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.naspipeline.api.DidYouMean;
import org.naspipeline.api.InvalidInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code nas} command: runs the pipeline locally or each piece as its own process. */
@Command(name = "nas", mixinStandardHelpOptions = true, versionProvider = Nas.Versions.class,
        description = "Neural architecture search and model compression on Kafka.",
        subcommands = {DemoCommand.class, BrokerCommand.class, ControllerCommand.class, WorkerCommand.class, ApiCommands.Submit.class,
                ApiCommands.Status.class, ApiCommands.Cancel.class, ApiCommands.Pause.class, ApiCommands.Resume.class, ApiCommands.Pareto.class, ApiCommands.Trials.class, ExportCommand.class, EvaluateCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class Nas {
    /** Set to print the stack trace of an unexpected failure as well as its one-line message. */
    static final String DEBUG_VARIABLE = "NAS_DEBUG";

    /** Entry point. */
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("demo") && System.getProperty("nas.log.level") == null) {
            // The demo prints its own progress; service logs would drown it.
            System.setProperty("nas.log.level", "WARN");
            System.setProperty("nas.kafka.log.level", "ERROR");
        }
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line with the project's conventions: durations as people write them, a mistake in the arguments
     * answered with its message and where to read the usage (exit 2), and a failure while running answered with one
     * line, never a stack trace unless {@code NAS_DEBUG} is set (exit 2 for bad input, else 1).
     */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Nas());
        cli.registerConverter(Duration.class, new Durations());
        cli.setParameterExceptionHandler(Nas::badArguments);
        cli.setExecutionExceptionHandler(Nas::failed);
        return cli;
    }

    private static int badArguments(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        if (e instanceof CommandLine.UnmatchedArgumentException u && !cmd.getSubcommands().isEmpty()
                && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
            String given = u.getUnmatched().get(0);
            String closest = DidYouMean.closest(given, new ArrayList<>(cmd.getSubcommands().keySet()));
            err.println(cmd.getCommandSpec().qualifiedName() + ": '" + given + "' is not a command"
                    + (closest != null ? "; did you mean '" + closest + "'?" : "")
                    + " (`" + cmd.getCommandSpec().qualifiedName() + " --help` lists them)");
        } else {
            err.println(cmd.getCommandSpec().qualifiedName() + ": " + e.getMessage());
            err.println("`" + cmd.getCommandSpec().qualifiedName() + " --help` shows the usage");
        }
        err.flush();
        return 2;
    }

    private static int failed(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        int code;
        if (e instanceof ApiClient.ApiException api) {
            err.flush();
            code = ApiCommands.fail(api);
        } else if (e instanceof InvalidInputException invalid) {
            err.println(cmd.getCommandSpec().qualifiedName() + ": invalid input");
            invalid.errors().forEach(v -> err.println("  " + v));
            code = 2;
        } else {
            String what = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
            err.println(cmd.getCommandSpec().qualifiedName() + " failed: " + what.lines().findFirst().orElse(what)
                    + (System.getenv(DEBUG_VARIABLE) == null ? " (set " + DEBUG_VARIABLE + "=1 for the stack trace)" : ""));
            code = 1;
        }
        if (System.getenv(DEBUG_VARIABLE) != null) {
            e.printStackTrace(new PrintWriter(err, true));
        }
        err.flush();
        return code;
    }

    /** {@code nas --version}: this build and the versions of what it runs on. */
    static final class Versions implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Nas.class.getResourceAsStream("/nas-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            List<String> lines = new ArrayList<>();
            lines.add("nas-pipeline " + p.getProperty("nas", "(unknown: built without nas-version.properties)"));
            lines.add("Kafka " + p.getProperty("kafka", "?") + ", DJL " + p.getProperty("djl", "?") + " with the PyTorch engine "
                    + p.getProperty("pytorch", "?") + ", Vert.x " + p.getProperty("vertx", "?"));
            lines.add("Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")");
            return lines.toArray(String[]::new);
        }
    }
}
