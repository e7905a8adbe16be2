"""Which adapter limits to ask for: WebGPU devices default to the spec minimums otherwise."""

# WebGPU names (camelCase, as in JS); wgpu-py spells them in kebab-case.
WANTED_LIMITS = (
    "maxBufferSize",
    "maxStorageBufferBindingSize",
    "maxStorageBuffersPerShaderStage",
    "maxComputeWorkgroupStorageSize",
    "maxComputeInvocationsPerWorkgroup",
    "maxComputeWorkgroupSizeX",
    "maxComputeWorkgroupsPerDimension",
)

WANTED_FEATURES = ("shader-f16", "timestamp-query")


def kebab(name):
    return "".join("-" + c.lower() if c.isupper() else c for c in name)
