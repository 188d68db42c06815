/** Reads this project's raw config from the Pulumi runtime; the only place that touches it. */
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { RawConfig } from "../src/config";
import { rawConfigFromValues } from "../src/rawConfig";

// `isConfigSecret` is not re-exported at the top level; the runtime module has it, untyped.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeConfig: { isConfigSecret(key: string): boolean } = require("@pulumi/pulumi/runtime/config");
// An engine is attached in a real `pulumi preview`/`up`, not under the offline plan's mocks.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeSettings: { getEngine(): unknown } = require("@pulumi/pulumi/runtime/settings");

export function readRawConfig(): RawConfig {
    const { values, secretKeys, otherNamespaceKeys } = rawConfigFromValues(pulumi.runtime.allConfig(), (key) => runtimeConfig.isConfigSecret(key));
    return {
        values,
        secretKeys,
        otherNamespaceKeys,
        deploying: runtimeSettings.getEngine() !== undefined,
        environmentVaultToken: process.env.VAULT_TOKEN || undefined,
        fileExists: (path) => fs.existsSync(path),
    };
}
