package org.naspipeline.worker.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Parsing NAS_ARTIFACT_URI: directories, file: URIs, s3:// URIs and S3's bucket naming rules. */
class ArtifactLocationTest {

    static ArtifactLocation parse(String value) {
        return ArtifactLocation.parse("NAS_ARTIFACT_URI", value);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "s3://bucket                | bucket      | ''            | s3://bucket",
            "s3://bucket/               | bucket      | ''            | s3://bucket",
            "s3://bucket/a/b/           | bucket      | a/b/          | s3://bucket/a/b",
            "s3://bucket/a/b            | bucket      | a/b/          | s3://bucket/a/b",
            "S3://nas.models-1/runs     | nas.models-1 | runs/        | s3://nas.models-1/runs",
            "' s3://abc/x=1/y+2/ '      | abc         | x=1/y+2/      | s3://abc/x=1/y+2",
    })
    void s3UrisGiveTheBucketAndAPrefixEndingInASlash(String value, String bucket, String prefix, String uri) {
        assertThat(parse(value)).isInstanceOfSatisfying(ArtifactLocation.Bucket.class, b -> {
            assertThat(b.bucket()).isEqualTo(bucket);
            assertThat(b.prefix()).isEqualTo(prefix);
            assertThat(b.uri()).isEqualTo(uri);
            assertThat(b.uri(b.prefix() + "e/t/attempt-1")).isEqualTo(uri + "/e/t/attempt-1");
        });
    }

    @Test
    void pathsAndFileUrisAreDirectories() {
        assertThat(parse("file:///var/nas/artifacts")).isEqualTo(new ArtifactLocation.Directory(Path.of("/var/nas/artifacts")));
        assertThat(parse("file:/var/nas")).isEqualTo(new ArtifactLocation.Directory(Path.of("/var/nas")));
        assertThat(parse("artifacts")).isEqualTo(new ArtifactLocation.Directory(Path.of("artifacts")));
        assertThat(parse("/x")).isEqualTo(new ArtifactLocation.Directory(Path.of("/x")));
        assertThat(parse("dir:with:colons")).isEqualTo(new ArtifactLocation.Directory(Path.of("dir:with:colons")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "s3://                       | names no bucket",
            "s3:///x                     | names no bucket",
            "s3:bucket                   | is not an s3:// URI",
            "ftp://x                     | unsupported scheme 'ftp'",
            "https://bucket.s3.amazonaws.com/x | unsupported scheme 'https'",
            "s3://My-Bucket              | only lower-case letters, digits, '.' and '-' are allowed",
            "s3://my_bucket              | only lower-case letters, digits, '.' and '-' are allowed",
            "s3://ab                     | must be 3 to 63 characters long (got 2)",
            "s3://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | must be 3 to 63 characters long (got 64)",
            "s3://-bucket                | must begin and end with a letter or digit",
            "s3://bucket.                | must begin and end with a letter or digit",
            "s3://my..bucket             | must not contain two adjacent periods",
            "s3://192.168.5.4            | must not look like an IP address",
            "s3://xn--bucket             | the prefix 'xn--' is reserved",
            "s3://bucket-s3alias         | the suffix '-s3alias' is reserved",
            "s3://bucket//x              | empty, '.' or '..' segment",
            "s3://bucket/a/../b          | empty, '.' or '..' segment",
            "s3://bucket/a b             | with characters other than letters",
            "s3://bucket/a?b             | with characters other than letters",
            "file://host/x               | is not a file URI of a local directory",
            "file:relative               | is not a file URI of a local directory",
    })
    void badValuesAreRefusedNamingTheVariable(String value, String problem) {
        assertThatThrownBy(() -> parse(value)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NAS_ARTIFACT_URI: ").hasMessageContaining(problem);
    }

    @Test
    void anEmptyValueIsRefusedAndTheSettingNamedIsTheCallers() {
        assertThatThrownBy(() -> parse(" ")).hasMessage("NAS_ARTIFACT_URI: is empty (expected a path, file:///path or s3://bucket/prefix)");
        assertThatThrownBy(() -> ArtifactLocation.parse("--out", "s3://B")).hasMessage(
                "--out: 'B' is not a valid S3 bucket name: it must be 3 to 63 characters long (got 1)");
    }

    @Test
    void attemptUrisParseWithOrWithoutTheirTrailingSlash() {
        assertThat(ArtifactLocation.bucket("s3://b-1/runs/e/e-t0001/attempt-1").prefix()).isEqualTo("runs/e/e-t0001/attempt-1/");
        assertThat(ArtifactLocation.bucket("s3://b-1/runs/e/e-t0001/attempt-1/").prefix()).isEqualTo("runs/e/e-t0001/attempt-1/");
        assertThatThrownBy(() -> ArtifactLocation.bucket("file:///x")).hasMessage(
                "'file:///x' is not an s3:// URI (expected s3://bucket or s3://bucket/prefix)");
    }
}
