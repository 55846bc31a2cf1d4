package org.naspipeline.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which attempt URIs a worker that keeps its models in files can read. */
class FileArtifactStoreTest {
    @TempDir
    Path dir;

    @Test
    void fileUrisAndPathsAreReadInPlaceAndNothingIsCopied() throws Exception {
        FileArtifactStore store = new FileArtifactStore(dir);
        Path into = dir.resolve("scratch");
        assertThat(store.fetch("file:///var/nas/e/t/attempt-1/", into)).isEqualTo(Path.of("/var/nas/e/t/attempt-1"));
        assertThat(store.fetch("/var/nas/e/t/attempt-1", into)).isEqualTo(Path.of("/var/nas/e/t/attempt-1"));
        assertThat(into).doesNotExist();
    }

    @Test
    void otherSchemesAreRefusedSayingWhy() {
        FileArtifactStore store = new FileArtifactStore(dir);
        assertThatThrownBy(() -> store.fetch("s3://models/e/t/attempt-1", dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'s3://models/e/t/attempt-1' cannot be read by this worker: it keeps its models in files and "
                        + "reads s3:// attempts only when NAS_ARTIFACT_URI is an s3:// URI");
        assertThatThrownBy(() -> store.fetch("file://host/x", dir)).hasMessage(
                "'file://host/x' is not a file: URI of a trial attempt directory");
    }
}
