package org.naspipeline.cli;

import java.util.HashSet;
import java.util.Set;
import org.naspipeline.api.config.Setting;
import org.naspipeline.controller.ControllerConfig;
import org.naspipeline.ops.KafkaClientOverrides;
import org.naspipeline.worker.service.WorkerConfig;

/**
 * The environment variables each service reads, from its own settings registry, so a deployment file that sets a
 * misspelled or removed variable fails a test instead of being silently ignored.
 */
final class KnownSettings {
    private KnownSettings() {}

    /** Variables read outside the settings registries: by the image (NAS_HOME, DJL), or by the AWS SDK's chain. */
    private static final Set<String> WORKER_EXTRA = Set.of("NAS_HOME", "DJL_CACHE_DIR", "PYTORCH_FLAVOR", "PYTORCH_LIBRARY_PATH",
            "PYTORCH_VERSION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_ROLE_ARN",
            "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_SESSION_NAME", "NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES", "OMP_NUM_THREADS");
    /** The names the controller reads (and the downward-API helpers k8s manifests define to compose them). */
    private static final Set<String> CONTROLLER_EXTRA = Set.of("POD_NAME", "POD_NAMESPACE");

    /** Whether {@code service} ({@code controller} or {@code worker}) reads {@code name}. */
    static boolean reads(String service, String name) {
        if (name.startsWith(KafkaClientOverrides.PREFIX)) {
            return true;
        }
        Set<String> names = new HashSet<>();
        if (service.equals("controller")) {
            ControllerConfig.ALL.stream().map(Setting::env).forEach(names::add);
            names.addAll(CONTROLLER_EXTRA);
        } else {
            WorkerConfig.ALL.stream().map(Setting::env).forEach(names::add);
            names.addAll(WORKER_EXTRA);
            names.addAll(CONTROLLER_EXTRA);
        }
        return names.contains(name);
    }
}
