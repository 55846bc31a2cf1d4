package org.naspipeline.controller.http;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The web UI: static pages, scripts and the vendored Apache ECharts from the jar ({@value #ROOT} on the class path),
 * served at {@code /ui/} ({@code /} redirects there). The assets hold no data; every figure the pages show comes
 * from the REST API under its own rules (the pages send the bearer token the user enters). A strict content security
 * policy allows scripts from this origin only, so the pages work offline and load nothing from elsewhere.
 */
public final class WebUi {
    /** Scripts and styles from this origin only; ECharts' tooltips set inline styles. */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    /**
     * Where the assets are on the class path; a name no working directory is likely to have, since Vert.x looks in the
     * file system first.
     */
    static final String ROOT = "nas-ui";

    private WebUi() {}

    public static void mount(Router router) {
        router.get("/").handler(ctx -> ctx.redirect("/ui/"));
        router.getWithRegex("^/ui$").handler(ctx -> ctx.redirect("/ui/")); // relative asset paths need the slash
        router.route("/ui/*").handler(ctx -> {
            ctx.response().putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                    .putHeader("X-Content-Type-Options", "nosniff")
                    .putHeader("Referrer-Policy", "no-referrer");
            ctx.next();
        });
        router.route("/ui/*").handler(StaticHandler.create(ROOT).setCachingEnabled(true).setMaxAgeSeconds(300)
                .setDirectoryListing(false).setIndexPage("index.html").setDefaultContentEncoding("UTF-8"));
    }
}
