package org.naspipeline.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceSelectionTest {
    @Test
    void autoTakesEveryGpuOrFallsBackToTheCpu() {
        assertThat(DeviceSelection.parse("auto", 0)).containsExactly(Device.cpu());
        assertThat(DeviceSelection.parse("auto", 2)).containsExactly(Device.gpu(0), Device.gpu(1));
        assertThat(DeviceSelection.parse(null, 1)).containsExactly(Device.gpu(0));
        assertThat(DeviceSelection.parse("cpu", 4)).containsExactly(Device.cpu());
    }

    @Test
    void explicitGpusMustExistAndBeListedOnce() {
        assertThat(DeviceSelection.parse("gpu:1, 0", 2)).isEqualTo(List.of(Device.gpu(1), Device.gpu(0)));
        assertThatThrownBy(() -> DeviceSelection.parse("gpu:0", 0))
                .hasMessageStartingWith("NAS_DEVICES: gpu 0 requested but the engine sees 0 GPU(s)");
        assertThatThrownBy(() -> DeviceSelection.parse("gpu:0,0", 1)).hasMessageContaining("listed twice");
        assertThatThrownBy(() -> DeviceSelection.parse("gpu:x", 1)).hasMessageContaining("'x' in 'gpu:x' is not a GPU index");
        assertThatThrownBy(() -> DeviceSelection.parse("tpu", 1)).hasMessageContaining("is not auto, cpu or gpu");
    }
}
