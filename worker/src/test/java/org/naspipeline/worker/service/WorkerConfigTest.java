package org.naspipeline.worker.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import org.naspipeline.api.config.Settings;
import org.naspipeline.worker.artifact.S3Settings;
import org.junit.jupiter.api.Test;

/** The artifact and S3 settings of the worker: defaults, precedence and validation naming the variable. */
class WorkerConfigTest {

    static WorkerConfig from(Map<String, String> env) {
        return WorkerConfig.from(new Settings(env));
    }

    @Test
    void withoutNasArtifactUriTheArtifactDirectoryIsUsedAsBefore() {
        WorkerConfig c = from(Map.of());
        assertThat(c.artifactUri()).isEqualTo("artifacts");
        assertThat(c.s3()).isEqualTo(new S3Settings(null, "us-east-1", false, null));
        assertThat(from(Map.of("NAS_ARTIFACT_DIR", "/var/nas")).artifactUri()).isEqualTo("/var/nas");
    }

    @Test
    void nasArtifactUriWinsAndTheS3SettingsAreRead() {
        WorkerConfig c = from(Map.of("NAS_ARTIFACT_DIR", "/var/nas", "NAS_ARTIFACT_URI", "s3://nas-models/runs",
                "NAS_S3_ENDPOINT", "http://minio:9000", "NAS_S3_REGION", "eu-west-1", "NAS_S3_PATH_STYLE", "TRUE"));
        assertThat(c.artifactUri()).isEqualTo("s3://nas-models/runs");
        assertThat(c.s3()).isEqualTo(new S3Settings(URI.create("http://minio:9000"), "eu-west-1", true, null));
        assertThat(c.s3().endpointText()).isEqualTo("http://minio:9000");
        assertThat(S3Settings.AWS.endpointText()).isEqualTo("https://s3.us-east-1.amazonaws.com");
        assertThat(c.withWorkerId("w2").s3()).isEqualTo(c.s3());
    }

    @Test
    void everyNewSettingIsLoggedAtStartUp() {
        assertThat(WorkerConfig.ALL).extracting(s -> s.env())
                .contains("NAS_ARTIFACT_DIR", "NAS_ARTIFACT_URI", "NAS_S3_ENDPOINT", "NAS_S3_REGION", "NAS_S3_PATH_STYLE");
        assertThat(new Settings(Map.of("NAS_ARTIFACT_URI", "s3://b-1")).describe(WorkerConfig.ALL))
                .contains("NAS_ARTIFACT_URI=s3://b-1  #", "NAS_S3_REGION=us-east-1 (default)", "NAS_S3_PATH_STYLE=false (default)");
    }

    @Test
    void theCpuSettingsAreReadCheckedAndLogged() {
        WorkerConfig c = from(Map.of("NAS_WORKER_CPUS", "1500m", "NAS_WORKER_THREADS", "2", "NAS_LATENCY_THREADS", "4",
                "NAS_WORKER_LOCAL_DIR", "/run/nas-workers"));
        assertThat(c.cpu().cpus()).isEqualTo(1.5);
        assertThat(c.cpu().threads()).isEqualTo(2);
        assertThat(c.cpu().latencyThreads()).isEqualTo(4);
        assertThat(c.cpu().localDir()).isEqualTo(java.nio.file.Path.of("/run/nas-workers"));
        assertThat(c.withWorkerId("w2").cpu()).isEqualTo(c.cpu());
        assertThat(from(Map.of()).cpu()).isEqualTo(org.naspipeline.worker.cpu.CpuSettings.defaults());
        assertThat(new Settings(Map.of()).describe(WorkerConfig.ALL)).contains("NAS_LATENCY_THREADS=1 (default)",
                "NAS_WORKER_CPUS", "NAS_WORKER_THREADS", "NAS_WORKER_LOCAL_DIR");
        assertThatThrownBy(() -> from(Map.of("NAS_WORKER_CPUS", "all"))).hasMessageStartingWith("NAS_WORKER_CPUS: ");
        assertThatThrownBy(() -> from(Map.of("NAS_WORKER_THREADS", "0"))).hasMessageStartingWith("NAS_WORKER_THREADS: ");
        assertThatThrownBy(() -> from(Map.of("NAS_LATENCY_THREADS", "-1"))).hasMessageStartingWith("NAS_LATENCY_THREADS: ");
    }

    @Test
    void theInferenceRuntimeAndInt8CalibrationAreReadCheckedAndLogged() {
        WorkerConfig defaults = from(Map.of());
        assertThat(defaults.measurement().runtime()).isEqualTo(org.naspipeline.worker.pipeline.InferenceRuntime.ONNXRUNTIME);
        assertThat(defaults.measurement().calibration()).isEqualTo(org.naspipeline.worker.onnx.OnnxExporter.Calibration.minMax(8, 32));
        assertThat(defaults.measurement().latencyBatch()).isEqualTo(32);
        WorkerConfig c = from(Map.of("NAS_INFERENCE_RUNTIME", " DJL ", "NAS_INT8_CALIBRATION_BATCHES", "16",
                "NAS_INT8_CALIBRATION_PERCENTILE", "99.99", "NAS_LATENCY_BATCH", "8"));
        assertThat(c.measurement().runtime()).isEqualTo(org.naspipeline.worker.pipeline.InferenceRuntime.DJL);
        assertThat(c.measurement().calibration()).isEqualTo(new org.naspipeline.worker.onnx.OnnxExporter.Calibration(16, 32, 99.99));
        assertThat(c.measurement().latencyBatch()).isEqualTo(8);
        assertThat(c.withWorkerId("w2").measurement()).isEqualTo(c.measurement());
        assertThat(c.withCpu(c.cpu()).withKafka(c.kafka()).withArtifacts("x", c.s3()).measurement()).isEqualTo(c.measurement());
        assertThat(new Settings(Map.of()).describe(WorkerConfig.ALL)).contains("NAS_INFERENCE_RUNTIME=onnxruntime (default)",
                "NAS_INT8_CALIBRATION_BATCHES=8 (default)", "NAS_INT8_CALIBRATION_PERCENTILE=100.0 (default)");
        assertThatThrownBy(() -> from(Map.of("NAS_INFERENCE_RUNTIME", "tensorrt")))
                .hasMessage("NAS_INFERENCE_RUNTIME: must be one of onnxruntime, djl (got 'tensorrt')");
        for (String bad : new String[] {"0", "-3", "10001", "eight", "1e3"}) {
            assertThatThrownBy(() -> from(Map.of("NAS_INT8_CALIBRATION_BATCHES", bad))).as(bad)
                    .hasMessageStartingWith("NAS_INT8_CALIBRATION_BATCHES: ");
        }
        for (String bad : new String[] {"50", "100.5", "NaN", "Infinity", "-1", "all"}) {
            assertThatThrownBy(() -> from(Map.of("NAS_INT8_CALIBRATION_PERCENTILE", bad))).as(bad)
                    .hasMessageStartingWith("NAS_INT8_CALIBRATION_PERCENTILE: ");
        }
    }

    @Test
    void malformedValuesStopTheStartUpNamingTheVariable() {
        assertThatThrownBy(() -> from(Map.of("NAS_ARTIFACT_URI", "s3://Models"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NAS_ARTIFACT_URI: 'Models' is not a valid S3 bucket name: only lower-case letters, digits, "
                        + "'.' and '-' are allowed");
        assertThatThrownBy(() -> from(Map.of("NAS_ARTIFACT_URI", "gs://models"))).hasMessageStartingWith(
                "NAS_ARTIFACT_URI: unsupported scheme 'gs'");
        assertThatThrownBy(() -> from(Map.of("NAS_ARTIFACT_DIR", "ftp://x"))).hasMessageStartingWith("NAS_ARTIFACT_DIR: ");
        assertThatThrownBy(() -> from(Map.of("NAS_S3_ENDPOINT", "minio:9000"))).hasMessage(
                "NAS_S3_ENDPOINT: must be an http:// or https:// URL of the S3 service with a host and optional port, "
                        + "such as http://minio:9000 (got 'minio:9000')");
        assertThatThrownBy(() -> from(Map.of("NAS_S3_ENDPOINT", "http://minio:9000/bucket"))).hasMessageStartingWith(
                "NAS_S3_ENDPOINT: must be an http:// or https:// URL");
        assertThatThrownBy(() -> from(Map.of("NAS_S3_ENDPOINT", "http://mi nio"))).hasMessageStartingWith(
                "NAS_S3_ENDPOINT: must be an http:// or https:// URL");
        assertThatThrownBy(() -> from(Map.of("NAS_S3_REGION", "EU West"))).hasMessage(
                "NAS_S3_REGION: must be a region name such as us-east-1 (got 'EU West')");
        assertThatThrownBy(() -> from(Map.of("NAS_S3_PATH_STYLE", "yes"))).hasMessage(
                "NAS_S3_PATH_STYLE: must be true or false (got 'yes')");
    }

    @Test
    void anArgumentToTheWorkerLauncherGivesTheUsageAndStatusTwoWithoutStarting() {
        assertThat(WorkerMain.run("--slots")).isEqualTo(2);
    }
}
