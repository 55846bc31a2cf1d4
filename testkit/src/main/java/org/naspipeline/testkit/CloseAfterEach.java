package org.naspipeline.testkit;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What a test started and must stop, closed after each test in reverse order of {@link #add}:
 * {@code @RegisterExtension final CloseAfterEach cleanup = new CloseAfterEach();}.
 */
public final class CloseAfterEach implements AfterEachCallback {
    private final List<AutoCloseable> resources = new ArrayList<>();

    /** Closes {@code resource} after the test, before what was added earlier. */
    public void add(AutoCloseable resource) {
        resources.add(resource);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            for (int i = resources.size() - 1; i >= 0; i--) {
                resources.get(i).close();
            }
        } finally {
            resources.clear();
        }
    }
}
