/**
 * Syntax checks for Kubernetes names, label selectors and Istio hosts. Each returns undefined when
 * the text is valid, or a short reason that config validation turns into a problem with a fix.
 */

const DNS1123_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME_RE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** A DNS-1123 label: namespace names, service account names. */
export function dns1123LabelProblem(text: string): string | undefined {
    if (text.length === 0) return "is empty";
    if (text.length > 63) return `is ${text.length} characters long; at most 63 are allowed`;
    if (!DNS1123_LABEL_RE.test(text)) return "must consist of lower-case letters, digits and '-', and start and end with a letter or digit (DNS-1123 label)";
    return undefined;
}

/** A DNS-1123 subdomain: dot-separated labels, at most 253 characters. */
export function dns1123SubdomainProblem(text: string): string | undefined {
    if (text.length === 0) return "is empty";
    if (text.length > 253) return `is ${text.length} characters long; at most 253 are allowed`;
    for (const label of text.split(".")) {
        if (dns1123LabelProblem(label) !== undefined) return "must be dot-separated DNS-1123 labels (lower-case letters, digits and '-')";
    }
    return undefined;
}

/** A label key: an optional DNS subdomain prefix and '/', then a name of at most 63 characters. */
export function labelKeyProblem(key: string): string | undefined {
    if (key.length === 0) return "is empty";
    if (key.includes("*")) return "contains '*'; Istio selectors match labels exactly, without wildcards";
    const parts = key.split("/");
    if (parts.length > 2) return "has more than one '/' (the form is [prefix/]name)";
    const name = parts[parts.length - 1];
    if (parts.length === 2) {
        const prefixProblem = dns1123SubdomainProblem(parts[0]);
        if (prefixProblem !== undefined) return `has a prefix that ${prefixProblem}`;
    }
    if (name.length === 0) return "has an empty name after the prefix";
    if (name.length > 63) return `has a name of ${name.length} characters; at most 63 are allowed`;
    if (!LABEL_NAME_RE.test(name)) return "has a name that must consist of letters, digits, '-', '_' and '.', and start and end with a letter or digit";
    return undefined;
}

/** A label value: empty, or at most 63 characters of the label name alphabet. */
export function labelValueProblem(value: string): string | undefined {
    if (value.includes("*")) return "contains '*'; Istio selectors match labels exactly, without wildcards";
    if (value.length > 63) return `is ${value.length} characters long; at most 63 are allowed`;
    if (value.length > 0 && !LABEL_NAME_RE.test(value)) return "must consist of letters, digits, '-', '_' and '.', and start and end with a letter or digit";
    return undefined;
}

/**
 * A DestinationRule host that names mesh services precisely: a fully qualified DNS name
 * (`reviews.prod.svc.cluster.local`) or one leading wildcard label (`*.prod.svc.cluster.local`).
 * Istio also accepts short names (resolved against the rule's namespace) and a bare `*`; both are
 * refused here because a pin must say exactly which services it covers.
 */
export function pinnedHostProblem(host: string): string | undefined {
    if (host.length === 0) return "is empty";
    if (host === "*") return "is the bare wildcard, which would pin every destination, including ones outside the mesh";
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) return "has a scheme; a host is a DNS name only";
    if (/[:/]/.test(host)) return "has a port or path; a host is a DNS name only";
    if (/^\d+(\.\d+){3}$/.test(host)) return "is an IP address; pin a service by its DNS name";
    const name = host.startsWith("*.") ? host.slice(2) : host;
    if (name.includes("*")) return "has a wildcard that is not the whole first label (only a leading '*.' is allowed)";
    if (host !== host.toLowerCase()) return "has upper-case letters; Kubernetes service names are lower-case";
    if (!name.includes(".")) return "is a short name, which Istio resolves relative to the rule's namespace";
    if (host.length > 255) return `is ${host.length} characters long; at most 255 are allowed`;
    if (dns1123SubdomainProblem(name) !== undefined) return "is not a valid DNS name (dot-separated labels of lower-case letters, digits and '-')";
    return undefined;
}
