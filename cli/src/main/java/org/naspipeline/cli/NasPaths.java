package org.naspipeline.cli;

import java.nio.file.Path;

/**
 * Where {@code nas} finds its own files and puts what it writes, whatever directory it is run from: the user's
 * paths resolve against the working directory (the {@code nas} launcher no longer changes it); the files shipped
 * with the project (examples, the bundled dataset) against {@code NAS_HOME}, the checkout the launcher runs from;
 * and what a command writes by default (run directories, trained models, the dev broker's log) goes to the user's
 * state directory, {@code $XDG_STATE_HOME/nas} (default {@code ~/.local/state/nas}), never into the source tree.
 */
final class NasPaths {
    private NasPaths() {}

    /** A file shipped with the project, e.g. {@code examples/fashion-mnist.json}: under NAS_HOME when set. */
    static Path bundled(String relative) {
        String home = System.getenv("NAS_HOME");
        return home == null || home.isBlank() ? Path.of(relative) : Path.of(home).resolve(relative);
    }

    /** {@code $XDG_STATE_HOME/nas/<name>}, or {@code ~/.local/state/nas/<name>}. */
    static Path state(String name) {
        String xdg = System.getenv("XDG_STATE_HOME");
        String home = System.getenv("HOME"); // as the launcher and the shell see it (Java's user.home is the passwd entry)
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg)
                : Path.of(home != null && home.startsWith("/") ? home : System.getProperty("user.home"), ".local", "state");
        return base.resolve("nas").resolve(name);
    }
}
