/** Reads this project's raw config from the Pulumi runtime; the only place that touches it. */
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, RawConfig } from "./config";

// `isConfigSecret` is not re-exported at the top level; the runtime module has it.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const runtimeConfig: { isConfigSecret(key: string): boolean } = require("@pulumi/pulumi/runtime/config");

export function readRawConfig(): RawConfig {
    const prefix = `${CONFIG_NAMESPACE}:`;
    const values: Record<string, string> = {};
    const secretKeys = new Set<string>();
    for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (!key.startsWith(prefix)) continue;
        const shortKey = key.slice(prefix.length);
        values[shortKey] = value;
        if (runtimeConfig.isConfigSecret(key)) secretKeys.add(shortKey);
    }
    return { values, secretKeys };
}
