package org.naspipeline.worker.onnx;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Writes an ONNX graph: constant tensors (initializers, little-endian raw data), nodes with their attributes,
 * the float input with a dynamic batch dimension and float outputs; {@link #model} wraps it into an opset-17 model.
 */
final class OnnxGraph {
    /** ONNX IR version 8, the one of opset 15–17. */
    static final int IR_VERSION = OnnxMl.Version.IR_VERSION_2021_7_30_VALUE;
    static final int OPSET = 17;

    private final GraphProto.Builder graph = GraphProto.newBuilder().setName("nas-pipeline");
    private int nodes;

    /** A float constant of shape {@code dims}. */
    String floats(String name, float[] values, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return constant(name, TensorProto.DataType.FLOAT, b.array(), dims);
    }

    /** An int8 constant of shape {@code dims}. */
    String int8s(String name, byte[] values, long... dims) {
        return constant(name, TensorProto.DataType.INT8, values.clone(), dims);
    }

    /** A uint8 constant of shape {@code dims}. */
    String uint8s(String name, byte[] values, long... dims) {
        return constant(name, TensorProto.DataType.UINT8, values.clone(), dims);
    }

    /** An int32 constant of shape {@code dims}. */
    String int32s(String name, int[] values, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        return constant(name, TensorProto.DataType.INT32, b.array(), dims);
    }

    /** An int64 constant of shape {@code dims} (no dims: a scalar): shapes, axes and indices. */
    String int64s(String name, long[] values, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return constant(name, TensorProto.DataType.INT64, b.array(), dims);
    }

    private String constant(String name, TensorProto.DataType type, byte[] raw, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type.getNumber())
                .setRawData(ByteString.copyFrom(raw));
        for (long d : dims) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        return name;
    }

    /** Adds a node of {@code op} reading {@code inputs} and writing {@code output}; returns the output's name. */
    String node(String op, List<String> inputs, String output, AttributeProto... attributes) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(op + "_" + nodes++).addAllInput(inputs).addOutput(output);
        for (AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        graph.addNode(n);
        return output;
    }

    static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    static AttributeProto integer(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto real(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    /** Declares the float graph input {@code name} of shape {@code (N, sampleShape…)}, N dynamic. */
    void input(String name, long[] sampleShape) {
        graph.addInput(value(name, null, sampleShape));
    }

    /** Declares a float graph output of shape {@code (N, features…)}, or of unknown shape when {@code features} is null. */
    void output(String name, long[] features) {
        graph.addOutput(value(name, features == null ? "unknown" : null, features));
    }

    private static OnnxMl.ValueInfoProto value(String name, String unknown, long[] dims) {
        OnnxMl.TypeProto.Tensor.Builder tensor = OnnxMl.TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber());
        if (unknown == null) {
            OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder()
                    .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
            for (long d : dims) {
                shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
            }
            tensor.setShape(shape);
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder().setTensorType(tensor)).build();
    }

    /** The serialized opset-17 model. */
    byte[] model(String docString) {
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("nas-pipeline")
                .setDocString(docString)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph)
                .build()
                .toByteArray();
    }
}
