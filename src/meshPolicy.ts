/**
 * Mesh mTLS policy objects as plain data: the mesh-wide PeerAuthentication, scoped PERMISSIVE
 * fallbacks and CA-pinned DestinationRules. The component wraps these in Kubernetes resources.
 *
 * Why pinned rules use `MUTUAL`, not `ISTIO_MUTUAL`: with `ISTIO_MUTUAL` istiod ignores
 * `caCertificates` and validates the server against the mesh root it distributes over SDS; only
 * `MUTUAL` reads a CA file. `MUTUAL` also needs the client's certificate and key as files, so the
 * client sidecar writes its Istio certificate to an in-memory volume (`OUTPUT_CERTS`) and mounts the
 * pinned CA from a ConfigMap; both come from the pod annotations in `pinnedClientPodAnnotations`.
 * Without `subjectAltNames`, Envoy would check the server certificate against the host name, which
 * Istio workload certificates do not carry, so every pin lists the server's SPIFFE identities.
 */
import { createHash } from "crypto";

export const MTLS_MODES = ["STRICT", "PERMISSIVE"] as const;
export type MtlsMode = (typeof MTLS_MODES)[number];

/** A scoped exception to the mesh-wide mode: plaintext is accepted as well as mTLS. */
export interface PermissiveFallback {
    /** Namespace the fallback applies in. */
    namespace: string;
    /** Workload labels it applies to; undefined for the whole namespace. */
    selector?: Record<string, string>;
    /** Why the exception exists; recorded on the object. */
    reason: string;
}

/** A destination whose server certificates must chain to the mesh trust bundle this program manages. */
export interface PinnedHost {
    /** FQDN or `*.`-wildcard host of the destination service(s). */
    host: string;
    /** Namespace of the clients that pin; the rule is exported to that namespace only. */
    clientNamespace: string;
    /** Service accounts the servers run as, each `namespace/name`; they become SPIFFE SANs. */
    serviceAccounts: string[];
}

export interface MeshPolicySettings {
    /** Create the policy objects at all. */
    enabled: boolean;
    /** Mesh-wide PeerAuthentication mode. */
    mtlsMode: MtlsMode;
    permissiveFallbacks: PermissiveFallback[];
    pinnedHosts: PinnedHost[];
}

/** Annotation holding a fallback's reason. */
export const REASON_ANNOTATION = "istio-ca/reason";
/** ConfigMap (in each client namespace) holding the pinned trust bundle. */
export const PINNED_CA_CONFIGMAP = "istio-ca-pinned-ca";
export const PINNED_CA_FILE = "root-cert.pem";
/** Where the client sidecar mounts the pinned CA. */
export const PINNED_CA_DIR = "/etc/istio-ca/pinned";
/** Where the client's istio-agent writes its workload certificate and key (`OUTPUT_CERTS`). */
export const OUTPUT_CERTS_DIR = "/etc/istio-output-certs";

export type KubernetesObject = {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    spec: Record<string, unknown>;
};

const MANAGED_BY = { "app.kubernetes.io/managed-by": "istio-ca" };

export function spiffeId(trustDomain: string, serviceAccount: string): string {
    const [namespace, name] = serviceAccount.split("/");
    return `spiffe://${trustDomain}/ns/${namespace}/sa/${name}`;
}

/** Lower-case slug of at most `max` characters, safe inside a DNS-1123 name. */
function slug(text: string, max: number): string {
    const cleaned = text
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "");
    return cleaned.slice(0, max).replace(/-+$/, "") || "x";
}

function shortHash(text: string): string {
    return createHash("sha256").update(text).digest("hex").slice(0, 8);
}

/** Canonical text of a selector (sorted), for names and duplicate detection. */
export function selectorKey(selector: Record<string, string> | undefined): string {
    if (!selector) return "";
    return Object.keys(selector)
        .sort()
        .map((key) => `${key}=${selector[key]}`)
        .join(",");
}

/** Object name of a fallback: `permissive` for a namespace, else label values and a hash. */
export function fallbackName(fallback: PermissiveFallback): string {
    if (!fallback.selector) return "permissive";
    const key = selectorKey(fallback.selector);
    return `permissive-${slug(
        Object.keys(fallback.selector)
            .sort()
            .map((k) => fallback.selector![k])
            .join("-"),
        40,
    )}-${shortHash(key)}`;
}

/** Object name of a pinned rule: the host's first labels and a hash. */
export function pinnedRuleName(pin: PinnedHost): string {
    return `pinned-${slug(pin.host.replace(/^\*\./, "wildcard."), 40)}-${shortHash(pin.host)}`;
}

export function meshPeerAuthentication(namespace: string, mode: MtlsMode): KubernetesObject {
    return {
        apiVersion: "security.istio.io/v1",
        kind: "PeerAuthentication",
        // A PeerAuthentication without selector in the root namespace is the mesh-wide default.
        metadata: { name: "default", namespace, labels: { ...MANAGED_BY } },
        spec: { mtls: { mode } },
    };
}

export function fallbackPeerAuthentication(fallback: PermissiveFallback): KubernetesObject {
    return {
        apiVersion: "security.istio.io/v1",
        kind: "PeerAuthentication",
        metadata: { name: fallbackName(fallback), namespace: fallback.namespace, labels: { ...MANAGED_BY }, annotations: { [REASON_ANNOTATION]: fallback.reason } },
        spec: { ...(fallback.selector ? { selector: { matchLabels: { ...fallback.selector } } } : {}), mtls: { mode: "PERMISSIVE" } },
    };
}

export function pinnedDestinationRule(pin: PinnedHost, trustDomain: string): KubernetesObject {
    return {
        apiVersion: "networking.istio.io/v1",
        kind: "DestinationRule",
        metadata: { name: pinnedRuleName(pin), namespace: pin.clientNamespace, labels: { ...MANAGED_BY } },
        spec: {
            host: pin.host,
            // Only the listed clients pin; other namespaces keep their ISTIO_MUTUAL defaults.
            exportTo: ["."],
            trafficPolicy: {
                tls: {
                    mode: "MUTUAL",
                    clientCertificate: `${OUTPUT_CERTS_DIR}/cert-chain.pem`,
                    privateKey: `${OUTPUT_CERTS_DIR}/key.pem`,
                    caCertificates: `${PINNED_CA_DIR}/${PINNED_CA_FILE}`,
                    subjectAltNames: pin.serviceAccounts.map((sa) => spiffeId(trustDomain, sa)),
                },
            },
        },
    };
}

/** Pod annotations a client workload needs for its pinned rules to work. */
export function pinnedClientPodAnnotations(): Record<string, string> {
    return {
        "proxy.istio.io/config": JSON.stringify({ proxyMetadata: { OUTPUT_CERTS: OUTPUT_CERTS_DIR } }),
        "sidecar.istio.io/userVolume": JSON.stringify([
            { name: "istio-ca-output-certs", emptyDir: { medium: "Memory" } },
            { name: "istio-ca-pinned-ca", configMap: { name: PINNED_CA_CONFIGMAP } },
        ]),
        "sidecar.istio.io/userVolumeMount": JSON.stringify([
            { name: "istio-ca-output-certs", mountPath: OUTPUT_CERTS_DIR },
            { name: "istio-ca-pinned-ca", mountPath: PINNED_CA_DIR, readOnly: true },
        ]),
    };
}

/** Distinct client namespaces of the pins, in first-seen order (one ConfigMap each). */
export function pinnedClientNamespaces(pins: PinnedHost[]): string[] {
    return [...new Set(pins.map((pin) => pin.clientNamespace))];
}
