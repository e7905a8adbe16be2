"""Independent numpy implementation of the model (tests only): its own dequantizers and a plain
forward pass, against which the GPU engine is checked."""
