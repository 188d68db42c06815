/** The mesh mTLS policy settings: mode, PERMISSIVE fallbacks and CA-pinned hosts. */
import { caModeRecord } from "../caModes";
import { dns1123LabelProblem, dns1123SubdomainProblem, labelKeyProblem, labelValueProblem, pinnedHostProblem } from "../k8sNames";
import { MTLS_MODES, MeshPolicySettings, PermissiveFallback, PinnedHost, selectorKey } from "../meshPolicy";
import { CaMode } from "./keys";
import { CertManagerSettings } from "./model";
import { ConfigReader, fullKey } from "./reader";

export function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Most entries taken in a policy list, and most service accounts in one pin: each becomes part of a Kubernetes resource. */
export const POLICY_LIST_MAX = 1000;

/** A list of objects from a structured key; each entry's unknown fields are problems. */
export function readObjectList(reader: ConfigReader, key: string, fields: readonly string[], example: string): { path: string; entry: Record<string, unknown> }[] {
    const value = reader.json(key);
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
        reader.problemAt(key, "", value, "is not a list", `write ${fullKey(key)} as a YAML list of objects such as ${example}.`);
        return [];
    }
    if (value.length > POLICY_LIST_MAX) {
        reader.problem(
            key,
            `lists ${value.length} entries; at most ${POLICY_LIST_MAX} are taken (each becomes a Kubernetes resource)`,
            `merge entries of ${fullKey(key)} (a selector-less fallback covers a whole namespace, a "*.<namespace>" host every service in it), or split the mesh into several stacks.`,
        );
        return [];
    }
    const entries: { path: string; entry: Record<string, unknown> }[] = [];
    value.forEach((entry, index) => {
        const path = `[${index}]`;
        if (!isPlainObject(entry)) {
            reader.problemAt(key, path, entry, "is not an object", `write each entry of ${fullKey(key)} as an object such as ${example}.`);
            return;
        }
        for (const field of Object.keys(entry)) {
            if (!fields.includes(field))
                reader.problemAt(key, `${path}.${field}`, entry[field], "is not a field of this entry", `remove it; the fields are: ${fields.join(", ")}.`);
        }
        entries.push({ path, entry });
    });
    return entries;
}

/** A string map of Kubernetes labels (selector or PrometheusRule labels). */
export function readLabels(reader: ConfigReader, key: string, path: string, value: unknown, what: string): Record<string, string> | undefined {
    if (!isPlainObject(value) || Object.keys(value).length === 0) {
        reader.problemAt(key, path, value, `is not a non-empty map of ${what}`, `write it as a map such as {"app": "legacy-billing"}, or leave it out.`);
        return undefined;
    }
    const labels: Record<string, string> = {};
    for (const [labelKey, labelValue] of Object.entries(value)) {
        const keyProblem = labelKeyProblem(labelKey);
        if (keyProblem !== undefined) {
            reader.problemAt(key, `${path}`, labelKey, `has a label key that ${keyProblem}`, `use a Kubernetes label key such as "app" or "example.com/tier".`);
            continue;
        }
        const valueProblem = typeof labelValue === "string" ? labelValueProblem(labelValue) : "is not a string";
        if (valueProblem !== undefined) {
            reader.problemAt(key, `${path}.${labelKey}`, labelValue, `label value ${valueProblem}`, `use a label value of at most 63 letters, digits, '-', '_' or '.', e.g. "v2".`);
            continue;
        }
        labels[labelKey] = labelValue as string;
    }
    return labels;
}

export function readNamespaceField(reader: ConfigReader, key: string, path: string, value: unknown): string | undefined {
    const problem = typeof value === "string" ? dns1123LabelProblem(value) : "is not a string";
    if (problem !== undefined) {
        reader.problemAt(key, path, value, `is not a namespace name: it ${problem}`, `use an existing namespace's name, e.g. "payments".`);
        return undefined;
    }
    return value as string;
}

export const FALLBACK_EXAMPLE = `{namespace: legacy, selector: {app: billing}, reason: "plaintext health checks until 2027-01"}`;
export const PIN_EXAMPLE = `{host: payments.prod.svc.cluster.local, clientNamespace: checkout, serviceAccounts: [prod/payments]}`;

export function readPermissiveFallbacks(reader: ConfigReader, istioNamespace: string): PermissiveFallback[] {
    const key = "permissiveFallbacks";
    const fallbacks: PermissiveFallback[] = [];
    const seen = new Map<string, string>();
    for (const { path, entry } of readObjectList(reader, key, ["namespace", "selector", "reason"], FALLBACK_EXAMPLE)) {
        const namespace = readNamespaceField(reader, key, `${path}.namespace`, entry.namespace);
        const selector = entry.selector === undefined ? undefined : readLabels(reader, key, `${path}.selector`, entry.selector, "workload labels");
        const reason = typeof entry.reason === "string" ? entry.reason.trim() : "";
        if (reason === "") {
            reader.problemAt(
                key,
                `${path}.reason`,
                entry.reason,
                "is empty; every exception to STRICT mTLS must say why it exists",
                `add reason: "<why plaintext is still needed, and until when>" to this entry.`,
            );
        }
        if (namespace === undefined || (entry.selector !== undefined && selector === undefined) || reason === "") continue;
        if (namespace === istioNamespace && selector === undefined) {
            reader.problemAt(
                key,
                `${path}.namespace`,
                namespace,
                `a fallback without selector in ${istioNamespace} (the Istio root namespace) would replace the mesh-wide policy`,
                `set ${fullKey("mtlsMode")} instead, or add a selector to this entry.`,
            );
            continue;
        }
        const identity = `${namespace}/${selectorKey(selector)}`;
        if (seen.has(identity)) {
            reader.problemAt(
                key,
                path,
                entry,
                `duplicates ${fullKey(key)}${seen.get(identity)} (same namespace and selector)`,
                "remove one of the two entries, or merge their reasons.",
            );
            continue;
        }
        seen.set(identity, path);
        fallbacks.push({ namespace, ...(selector ? { selector } : {}), reason });
    }
    return fallbacks;
}

export function readPinnedHosts(reader: ConfigReader): PinnedHost[] {
    const key = "pinnedHosts";
    const pins: PinnedHost[] = [];
    const seen = new Map<string, string>();
    for (const { path, entry } of readObjectList(reader, key, ["host", "clientNamespace", "serviceAccounts"], PIN_EXAMPLE)) {
        const hostProblem = typeof entry.host === "string" ? pinnedHostProblem(entry.host) : "is not a string";
        if (hostProblem !== undefined) {
            reader.problemAt(
                key,
                `${path}.host`,
                entry.host,
                `is not a host this program can pin: it ${hostProblem}`,
                `use the service's FQDN such as "payments.prod.svc.cluster.local", or "*.prod.svc.cluster.local" for a namespace.`,
            );
        }
        const clientNamespace = readNamespaceField(reader, key, `${path}.clientNamespace`, entry.clientNamespace);
        const serviceAccounts: string[] = [];
        const listed = new Set<string>();
        if (!Array.isArray(entry.serviceAccounts) || entry.serviceAccounts.length === 0) {
            reader.problemAt(
                key,
                `${path}.serviceAccounts`,
                entry.serviceAccounts,
                "is not a non-empty list; the servers' identities must be listed because Istio workload certificates carry no DNS names",
                `list the servers' service accounts as "namespace/name", e.g. ["prod/payments"].`,
            );
        } else if (entry.serviceAccounts.length > POLICY_LIST_MAX) {
            reader.problemAt(
                key,
                `${path}.serviceAccounts`,
                entry.serviceAccounts,
                `lists ${entry.serviceAccounts.length} service accounts; at most ${POLICY_LIST_MAX} are taken (each is a subject name the DestinationRule matches)`,
                `list only the servers behind this host, or pin a narrower host.`,
            );
        } else {
            for (const [index, account] of entry.serviceAccounts.entries()) {
                const parts = typeof account === "string" ? account.split("/") : [];
                const problem =
                    parts.length !== 2
                        ? "is not of the form namespace/name"
                        : (dns1123LabelProblem(parts[0]) ??
                          (dns1123SubdomainProblem(parts[1]) === undefined ? undefined : "has a service account name that is not a DNS-1123 subdomain"));
                if (problem !== undefined) {
                    reader.problemAt(
                        key,
                        `${path}.serviceAccounts[${index}]`,
                        account,
                        `is not a service account reference: it ${problem}`,
                        `write it as "namespace/name", e.g. "prod/payments".`,
                    );
                } else if (listed.has(account)) {
                    reader.problemAt(key, `${path}.serviceAccounts[${index}]`, account, "is listed twice", "remove the duplicate.");
                } else {
                    listed.add(account);
                    serviceAccounts.push(account);
                }
            }
        }
        if (hostProblem !== undefined || clientNamespace === undefined || serviceAccounts.length === 0) continue;
        const host = entry.host as string;
        const identity = `${clientNamespace}/${host}`;
        if (seen.has(identity)) {
            reader.problemAt(
                key,
                path,
                entry,
                `duplicates ${fullKey(key)}${seen.get(identity)} (same host and client namespace)`,
                "remove one entry, or merge their serviceAccounts.",
            );
            continue;
        }
        seen.set(identity, path);
        pins.push({ host, clientNamespace, serviceAccounts });
    }
    return pins;
}

/** Whether the program knows the mesh's roots (so it can pin them), for a mode and its root source. */
export function programKnowsRoots(caMode: CaMode, certManager: CertManagerSettings | undefined): boolean {
    return caModeRecord(caMode).rootMaker !== "istiod" && certManager?.root !== "in-cluster";
}

export function readMeshPolicy(reader: ConfigReader, caMode: CaMode, istioNamespace: string, knowsRoots: boolean): MeshPolicySettings {
    const enabled = reader.boolean("meshPolicyEnabled", true);
    const mtlsMode = reader.oneOf("mtlsMode", MTLS_MODES, "STRICT");
    const permissiveFallbacks = readPermissiveFallbacks(reader, istioNamespace);
    const pinnedHosts = readPinnedHosts(reader);
    if (!enabled) {
        for (const key of ["mtlsMode", "permissiveFallbacks", "pinnedHosts"]) {
            if (reader.has(key))
                reader.problem(
                    key,
                    `is set but ${fullKey("meshPolicyEnabled")} is false, so it would be ignored`,
                    `remove ${fullKey(key)}, or set ${fullKey("meshPolicyEnabled")} to true.`,
                );
        }
    }
    if (mtlsMode === "PERMISSIVE" && permissiveFallbacks.length > 0) {
        reader.problem(
            "permissiveFallbacks",
            `has no effect: the mesh-wide ${fullKey("mtlsMode")} is already PERMISSIVE`,
            `remove ${fullKey("permissiveFallbacks")}, or set ${fullKey("mtlsMode")} to STRICT.`,
        );
    }
    if (pinnedHosts.length > 0) {
        if (!knowsRoots) {
            reader.problem(
                "pinnedHosts",
                caModeRecord(caMode).rootMaker === "istiod"
                    ? `needs a trust bundle this program knows, but caMode "${caMode}" keeps its self-signed root inside istiod`
                    : `needs a trust bundle this program knows, but ${fullKey("certManagerRoot")} in-cluster keeps the root inside the cluster`,
                `use a mode with a root the program manages (caMode plugin, or certManagerRoot generated), or remove ${fullKey("pinnedHosts")}.`,
            );
        }
        if (mtlsMode === "PERMISSIVE") {
            reader.problem(
                "pinnedHosts",
                "needs STRICT servers: a PERMISSIVE sidecar hands TLS without Istio's ALPN to the application instead of terminating it",
                `set ${fullKey("mtlsMode")} to STRICT, or remove ${fullKey("pinnedHosts")}.`,
            );
        }
        const permissiveNamespaces = new Set(permissiveFallbacks.filter((f) => !f.selector).map((f) => f.namespace));
        pinnedHosts.forEach((pin, index) => {
            const clash = pin.serviceAccounts.find((sa) => permissiveNamespaces.has(sa.split("/")[0]));
            if (clash) {
                reader.problemAt(
                    "pinnedHosts",
                    `[${index}].serviceAccounts`,
                    clash,
                    `runs in namespace ${clash.split("/")[0]}, which a permissiveFallbacks entry makes PERMISSIVE; a PERMISSIVE sidecar passes the pinned TLS to the application`,
                    `scope that fallback with a selector that excludes the pinned servers, or remove the pin.`,
                );
            }
        });
    }
    return { enabled, mtlsMode, permissiveFallbacks, pinnedHosts };
}
