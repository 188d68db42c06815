/**
 * SPIFFE IDs as Istio issues them (`spiffe://<trust domain>/ns/<namespace>/sa/<service account>`)
 * and the peer identity check Envoy applies after the chain verifies.
 */

export interface SpiffeId {
    trustDomain: string;
    namespace: string;
    serviceAccount: string;
}

const TRUST_DOMAIN_RE = /^[a-z0-9._-]+$/;
const SEGMENT_RE = /^[A-Za-z0-9._-]+$/;

export function formatSpiffeId(id: SpiffeId): string {
    for (const [what, value, re] of [
        ["trust domain", id.trustDomain, TRUST_DOMAIN_RE],
        ["namespace", id.namespace, SEGMENT_RE],
        ["service account", id.serviceAccount, SEGMENT_RE],
    ] as const) {
        if (!re.test(value)) throw new Error(`invalid SPIFFE ${what} "${value}"`);
    }
    return `spiffe://${id.trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}`;
}

/** Parses an Istio workload SPIFFE ID; undefined when the URI is not one. */
export function parseSpiffeId(uri: string): SpiffeId | undefined {
    const match = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(uri);
    if (!match || !TRUST_DOMAIN_RE.test(match[1]) || !SEGMENT_RE.test(match[2]) || !SEGMENT_RE.test(match[3])) return undefined;
    return { trustDomain: match[1], namespace: match[2], serviceAccount: match[3] };
}

/** URI SANs from node's `subjectaltname` text, e.g. `URI:spiffe://td/ns/a/sa/b, DNS:x`. */
export function uriSans(subjectAltName: string | undefined): string[] {
    if (!subjectAltName) return [];
    return subjectAltName
        .split(/,\s*/)
        .filter((entry) => entry.startsWith("URI:"))
        .map((entry) => entry.slice("URI:".length));
}

/**
 * Checks a verified peer certificate's identity: exactly one URI SAN, a SPIFFE ID in the
 * expected trust domain, and (when given) exactly the expected ID. Returns the reason it
 * fails, or undefined when it passes.
 */
export function checkPeerSpiffeId(subjectAltName: string | undefined, expected: { trustDomain: string; id?: string }): string | undefined {
    const uris = uriSans(subjectAltName);
    if (uris.length !== 1) return `peer certificate has ${uris.length} URI SANs, expected exactly one SPIFFE ID`;
    const parsed = parseSpiffeId(uris[0]);
    if (!parsed) return `peer URI SAN "${uris[0]}" is not a SPIFFE workload ID`;
    if (parsed.trustDomain !== expected.trustDomain) return `peer trust domain "${parsed.trustDomain}" is not "${expected.trustDomain}"`;
    if (expected.id !== undefined && uris[0] !== expected.id) return `peer SPIFFE ID "${uris[0]}" is not the expected "${expected.id}"`;
    return undefined;
}
