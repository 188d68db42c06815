/** Keys that are not this project's: unknown ones, and keys under a misspelt namespace. */
import { CONFIG_KEYS, CONFIG_NAMESPACE } from "./keys";
import { ConfigReader, RawConfig, fullKey } from "./reader";

export const KNOWN_KEYS = new Set(CONFIG_KEYS.map((spec) => spec.key));

/** Edit distance, for "did you mean" hints on unknown keys. */
export function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let prev = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const current = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
            prev = current;
        }
    }
    return row[b.length];
}

export function closestKey(key: string): string | undefined {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const known of KNOWN_KEYS) {
        const distance = editDistance(key, known);
        if (distance < bestDistance) {
            best = known;
            bestDistance = distance;
        }
    }
    return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** Unknown keys reported one by one; the rest are counted in one problem. */
export const UNKNOWN_KEYS_LISTED = 20;

export function checkUnknownKeys(reader: ConfigReader, raw: RawConfig): void {
    const unknown = Object.keys(raw.values).filter((key) => !KNOWN_KEYS.has(key));
    for (const key of unknown.slice(0, UNKNOWN_KEYS_LISTED)) {
        // Keys much longer than any real key get no suggestion (and cost no edit distance).
        const suggestion = key.length <= 64 ? closestKey(key) : undefined;
        reader.problem(
            key,
            "is not a config key of this project",
            suggestion
                ? `did you mean ${fullKey(suggestion)}? Otherwise remove it: pulumi config rm ${fullKey(key)}.`
                : `remove it (pulumi config rm ${fullKey(key)}); docs/configuration.md lists every key.`,
        );
    }
    if (unknown.length > UNKNOWN_KEYS_LISTED) {
        reader.problems.push({
            key: `${CONFIG_NAMESPACE}:*`,
            value: `(${unknown.length - UNKNOWN_KEYS_LISTED} more keys, not shown)`,
            message: `${unknown.length} keys in all are not config keys of this project`,
            fix: "remove the keys that are not in the configuration reference (docs/configuration.md).",
        });
    }
    // Keys of a namespace that is a misspelling of this project's are dropped by the CLI's namespace split; say so.
    for (const fullName of (raw.otherNamespaceKeys ?? []).slice(0, UNKNOWN_KEYS_LISTED)) {
        const [namespace, ...rest] = fullName.split(":");
        if (!looksLikeOurNamespace(namespace)) continue;
        const key = rest.join(":");
        reader.problems.push({
            key: fullName,
            value: "(not read)",
            message: `is in the namespace "${namespace}", not "${CONFIG_NAMESPACE}", so this program never reads it`,
            fix: `did you mean ${fullKey(key)}? Set it under the project's namespace: pulumi config rm '${fullName}' && pulumi config set ${fullKey(key)} <value>.`,
        });
    }
}

/** A config namespace that is this project's, misspelt: "istioca", "istio_ca", "Istio-CA", "istio-cq". */
export function looksLikeOurNamespace(namespace: string): boolean {
    if (namespace === CONFIG_NAMESPACE || namespace.length > 20) return false;
    const squash = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, "");
    return squash(namespace) === squash(CONFIG_NAMESPACE) || editDistance(namespace.toLowerCase(), CONFIG_NAMESPACE) <= 2;
}
