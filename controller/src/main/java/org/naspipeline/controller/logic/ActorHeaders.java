package org.naspipeline.controller.logic;

/**
 * The record headers of {@code nas.experiments} that say who acted: the REST API writes them, the stream processor
 * reads them (as claims; only the topic's ACLs make them trustworthy). Kept apart from both, so neither side
 * depends on the other for their names.
 */
public final class ActorHeaders {
    /** Record header naming the submitting tenant. */
    public static final String TENANT = "nas.tenant";
    /** Record header naming who acted: {@code tenant:<name>}, {@code admin:<name>} or {@code anonymous}. */
    public static final String ACTOR = "nas.actor";
    /** The tenant name whose token is an admin token; an actor {@code admin:<name>} may act on every experiment. */
    public static final String ADMIN = "admin";

    private ActorHeaders() {}
}
