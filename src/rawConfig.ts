/** This project's raw config from a Pulumi config map of full keys (`istio-ca:caMode`). */
import { CONFIG_NAMESPACE, RawConfig } from "./config";

/** Keeps the `istio-ca:` keys, without the prefix; keys of other namespaces are dropped. */
export function rawConfigFromValues(values: Record<string, string>, isSecret: (key: string) => boolean): Pick<RawConfig, "values" | "secretKeys" | "otherNamespaceKeys"> {
    const prefix = `${CONFIG_NAMESPACE}:`;
    const shortValues: Record<string, string> = {};
    const secretKeys = new Set<string>();
    const otherNamespaceKeys: string[] = [];
    for (const [key, value] of Object.entries(values)) {
        if (!key.startsWith(prefix)) {
            otherNamespaceKeys.push(key);
            continue;
        }
        const shortKey = key.slice(prefix.length);
        shortValues[shortKey] = value;
        if (isSecret(key)) secretKeys.add(shortKey);
    }
    return { values: shortValues, secretKeys, otherNamespaceKeys };
}
