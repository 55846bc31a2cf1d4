package org.naspipeline.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code nas} command: runs the pipeline locally or each piece as its own process. */
@Command(name = "nas", mixinStandardHelpOptions = true, version = "nas-pipeline 0.1.0",
        description = "Neural architecture search and model compression on Kafka.",
        subcommands = {DemoCommand.class, BrokerCommand.class, ControllerCommand.class, WorkerCommand.class, ApiCommands.Submit.class,
                ApiCommands.Status.class, ApiCommands.Cancel.class, ApiCommands.Pause.class, ApiCommands.Resume.class, ApiCommands.Pareto.class, ExportCommand.class, EvaluateCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class Nas {
    /** Entry point. */
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("demo") && System.getProperty("nas.log.level") == null) {
            // The demo prints its own progress; service logs would drown it.
            System.setProperty("nas.log.level", "WARN");
            System.setProperty("nas.kafka.log.level", "ERROR");
        }
        System.exit(new CommandLine(new Nas()).execute(args));
    }
}
