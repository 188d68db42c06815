/**
 * Stack configuration: the one place where raw `istio-ca:*` config becomes a typed,
 * validated model. Components never read `pulumi.Config`; they take this model's parts.
 *
 * Every problem found is collected and reported together, each naming the key, the bad
 * value and a fix. Parsing happens before any resource is registered, so an invalid
 * config creates nothing.
 */
import { DEFAULT_CERT_MANAGER_NAMESPACE, DEFAULT_CERT_MANAGER_VERSION, DEFAULT_ISTIO_CSR_VERSION, DEFAULT_TRUST_MANAGER_VERSION } from "./certManagerValues";
import { KEY_ROTATION_POLICIES, KeyRotationPolicy } from "./certManagerResources";
import { formatDuration, parseDuration } from "./duration";
import { DEFAULT_ROOT_NAME, ROOT_NAME_RE, ROTATING_CA_MODES, ROTATION_OVERRIDES, ROTATION_PHASES, RotationOverride, RotationPhase, rootCountFor } from "./rotation";
import type { AlertSettings } from "./certificateAlerts";
import { dns1123LabelProblem, dns1123SubdomainProblem, labelKeyProblem, labelValueProblem, pinnedHostProblem } from "./k8sNames";
import { MTLS_MODES, MeshPolicySettings, PermissiveFallback, PinnedHost, selectorKey } from "./meshPolicy";
import { X509Certificate } from "crypto";
import { KEY_ALGORITHMS, KeyAlgorithm, checkCaKeyPair, splitPemCertificates } from "./pki";
import type { RootParameters } from "./rotationState";
import { SecretString } from "./secret";
import { VaultDelivery } from "./vault";
import { DEFAULT_ROOT_ISSUER_NAME, VAULT_RESERVED_ROOT_NAMES, vaultIntermediateNaming, vaultRootNaming } from "./vaultRotation";
import { DEFAULT_APPROVER_POLICY_VERSION } from "./issuancePolicy";

export const CONFIG_NAMESPACE = "istio-ca";

export const CA_MODES = ["istiod", "plugin", "kubernetes", "cert-manager", "vault"] as const;
export type CaMode = (typeof CA_MODES)[number];


/** How the cert-manager strategy hands CA material to the mesh. */
export const CERT_MANAGER_DELIVERIES = ["cacerts", "istio-csr"] as const;
export type CertManagerDelivery = (typeof CERT_MANAGER_DELIVERIES)[number];

/** Who approves the mesh's cert-manager CertificateRequests. */
export const CERT_MANAGER_APPROVALS = ["policy", "auto"] as const;
export type CertManagerApproval = (typeof CERT_MANAGER_APPROVALS)[number];

/** Where the cert-manager strategy's root comes from when no existing root is configured. */
export const CERT_MANAGER_ROOTS = ["generated", "in-cluster"] as const;
export type CertManagerRootSource = (typeof CERT_MANAGER_ROOTS)[number];


/** Value types, as Pulumi's project `config:` block names them where it has one. */
export type ConfigValueType = "string" | "integer" | "boolean" | "number" | "array" | "object";

/** One documented config key. The README table and `Pulumi.yaml` are checked against this list. */
export interface ConfigKeySpec {
    key: string;
    type: ConfigValueType;
    /** Default as text, or undefined when the key is optional with no default. */
    default?: string;
    /** Must be set with `pulumi config set --secret`. */
    secret?: boolean;
    description: string;
}

export const CONFIG_KEYS: ConfigKeySpec[] = [
    { key: "caMode", type: "string", default: "istiod", description: `CA strategy: ${CA_MODES.join(" \\| ")}.` },
    { key: "trustDomain", type: "string", default: "cluster.local", description: "SPIFFE trust domain of the mesh (`meshConfig.trustDomain`)." },
    { key: "kubeconfig", type: "string", description: "Cluster access for the explicit Kubernetes provider every resource uses: a kubeconfig file path, or the kubeconfig itself (then set it with `--secret`: it holds credentials). Default: the provider's own lookup (`KUBECONFIG`, then `~/.kube/config`)." },
    { key: "kubernetesContext", type: "string", description: "Context of the kubeconfig to use. Default: its current context." },
    { key: "istioVersion", type: "string", default: "1.30.3", description: "Version of the Istio `base` and `istiod` Helm charts (1.24 or later)." },
    { key: "workloadCertTtl", type: "string", default: "24h", description: "Workload certificate lifetime: proxy `SECRET_TTL` and istiod `DEFAULT_WORKLOAD_CERT_TTL`. Go duration." },
    { key: "maxWorkloadCertTtl", type: "string", default: "48h", description: "Longest workload certificate istiod signs (`MAX_WORKLOAD_CERT_TTL`). Must be >= `workloadCertTtl`. Go duration." },
    { key: "gracePeriodRatio", type: "number", default: "0.5", description: "Fraction of a workload certificate's life left when the proxy renews it (`SECRET_GRACE_PERIOD_RATIO`), strictly between 0 and 1." },
    { key: "rootKeyAlgorithm", type: "string", default: "ECDSA-P384", description: `Root CA key: ${KEY_ALGORITHMS.join(" \\| ")}.` },
    { key: "rootValidity", type: "string", default: "87600h", description: "Root CA lifetime (10 years by default). Go duration, whole hours." },
    { key: "rootCommonName", type: "string", default: "istio-ca root", description: "Subject CN of generated roots; the root's name is appended." },
    { key: "intermediateKeyAlgorithm", type: "string", default: "ECDSA-P256", description: `Key of the intermediate CA that istiod signs with: ${KEY_ALGORITHMS.join(" \\| ")}.` },
    { key: "intermediateValidity", type: "string", default: "8760h", description: "Intermediate (istiod signing) CA lifetime. Go duration, whole hours." },
    { key: "intermediateRenewBefore", type: "string", default: "720h", description: "How long before expiry the intermediate is re-issued. Must be < `intermediateValidity`." },
    { key: "organization", type: "string", default: "istio-ca", description: "Subject O of generated CA certificates." },
    { key: "existingRootCert", type: "string", description: "PEM of an existing root CA to use instead of generating one (`plugin`, `cert-manager` and `kubernetes` modes). Set together with `existingRootKey`." },
    { key: "existingRootKey", type: "string", secret: true, description: "PEM private key of `existingRootCert`. Must be a secret: `pulumi config set --secret`." },
    { key: "certManagerDelivery", type: "string", default: "cacerts", description: `\`cert-manager\` mode: how CA material reaches the mesh: ${CERT_MANAGER_DELIVERIES.join(" \\| ")}. \`cacerts\`: istiod signs with a cert-manager-issued intermediate; \`istio-csr\`: istio-csr signs every workload certificate through cert-manager.` },
    { key: "certManagerRoot", type: "string", default: "generated", description: `\`cert-manager\` mode without an existing root: ${CERT_MANAGER_ROOTS.join(" \\| ")}. \`generated\`: root made with @pulumi/tls (known to the program, in its state as a secret); \`in-cluster\`: a self-signed ClusterIssuer makes the root and its key never leaves the cluster (cacerts delivery only; such a root cannot be rotated).` },
    { key: "certManagerVersion", type: "string", default: DEFAULT_CERT_MANAGER_VERSION, description: "`jetstack/cert-manager` chart version (`cert-manager` and `kubernetes` modes)." },
    { key: "certManagerServiceMonitor", type: "boolean", default: "false", description: "Create Prometheus Operator ServiceMonitors for cert-manager (and trust-manager). Needs the ServiceMonitor CRD." },
    { key: "certManagerKeyRotationPolicy", type: "string", default: "Always", description: `Private key \`rotationPolicy\` of cert-manager-issued intermediates: ${KEY_ROTATION_POLICIES.join(" \\| ")}.` },
    { key: "certManagerApproval", type: "string", default: "policy", description: `Who approves the mesh's CertificateRequests: ${CERT_MANAGER_APPROVALS.join(" \\| ")}. \`policy\`: cert-manager's default approver is off and approver-policy approves exactly the requests this program makes (each CertificateRequestPolicy bound to its one requester and namespace); any other request to any issuer of this cert-manager needs a policy of its own. \`auto\`: cert-manager approves every request, so anyone who can create a Certificate can get one, a CA under the mesh root included.` },
    { key: "approverPolicyVersion", type: "string", default: DEFAULT_APPROVER_POLICY_VERSION, description: "`jetstack/cert-manager-approver-policy` chart version (`certManagerApproval: policy`)." },
    { key: "istioCsrVersion", type: "string", default: DEFAULT_ISTIO_CSR_VERSION, description: "`jetstack/cert-manager-istio-csr` chart version (`istio-csr` delivery)." },
    { key: "trustManagerVersion", type: "string", default: DEFAULT_TRUST_MANAGER_VERSION, description: "`jetstack/trust-manager` chart version (`istio-csr` delivery)." },
    { key: "meshPolicyEnabled", type: "boolean", default: "true", description: "Create the mesh mTLS policy: mesh-wide PeerAuthentication, PERMISSIVE fallbacks, CA-pinned DestinationRules." },
    { key: "mtlsMode", type: "string", default: "STRICT", description: `Mesh-wide PeerAuthentication mode in the Istio root namespace: ${MTLS_MODES.join(" \\| ")}.` },
    { key: "permissiveFallbacks", type: "object", default: "[]", description: "List of scoped PERMISSIVE exceptions: `{namespace, selector?: {label: value}, reason}`. The reason is kept in the `istio-ca/reason` annotation." },
    { key: "pinnedHosts", type: "object", default: "[]", description: "List of destinations whose server certificates must chain to this program's trust bundle: `{host, clientNamespace, serviceAccounts: [\"ns/sa\"]}`. See \"Mesh mTLS policy\"." },
    { key: "alertsEnabled", type: "boolean", default: "false", description: "Create the `PrometheusRule` with the certificate health alerts. Needs the Prometheus Operator's `PrometheusRule` CRD (`monitoring.coreos.com/v1`, e.g. from kube-prometheus-stack): with it absent, the update stops at preview on the read of that CRD, before anything changes." },
    { key: "alertRenewalMargin", type: "string", default: "24h", description: "Slack after a renewal was due before \"renewal overdue\" warns. Less than half of `intermediateRenewBefore`; unset, at most a quarter of it. Go duration." },
    { key: "alertRootExpiryWindow", type: "string", default: "2160h", description: "Page when the root CA expires within this. Less than `intermediateValidity`; unset, at most half of it. Go duration." },
    { key: "alertRuleLabels", type: "object", description: "Labels on the `PrometheusRule`, e.g. `{\"release\": \"kube-prometheus-stack\"}` to match a Prometheus `ruleSelector`." },
    { key: "roots", type: "array", default: `[${DEFAULT_ROOT_NAME}]`, description: "Root names, oldest first: one at `steady`, `[old, new]` in the other phases (`plugin`, `cert-manager`, `kubernetes`, `vault` modes). Names their resources (and ClusterIssuers); `existingRootCert` supplies the first." },
    { key: "rotationPhase", type: "string", default: "steady", description: `Root rotation phase: ${ROTATION_PHASES.join(" \\| ")}. Move one phase per \`pulumi up\`.` },
    { key: "rotationPropagationDelay", type: "string", default: "1h", description: "How long a `cacerts` change takes to reach every proxy. The guard waits this long after `trust-both` before `sign-new`, and adds it to `maxWorkloadCertTtl` before `retire-old`. Go duration." },
    { key: "rotationOverride", type: "string", description: `Waive one rotation check for one update: ${ROTATION_OVERRIDES.join(" \\| ")}. Needs \`rotationOverrideReason\`; refused when the update does not need it.` },
    { key: "rotationOverrideReason", type: "string", description: "Why the override is used; recorded in the `rotationState` output." },
    { key: "rotationStateStack", type: "string", description: "Stack whose outputs hold the previous rotation state. Default: this stack (`<organization>/<project>/<stack>`)." },
    { key: "vaultAddress", type: "string", description: "`vault` mode (required): Vault's address as Pulumi and cert-manager reach it, `https://host[:port]`." },
    { key: "vaultNamespace", type: "string", description: "`vault` mode: Vault Enterprise namespace, e.g. `platform/mesh`. Default: none (root namespace)." },
    { key: "vaultToken", type: "string", secret: true, description: "`vault` mode: token that configures PKI and auth; else `VAULT_TOKEN` from the environment. Must be a secret. Not needed by the offline plan." },
    { key: "vaultCaBundle", type: "string", description: "`vault` mode: PEM CA bundle of Vault's TLS certificate, for cert-manager's issuer. Default: cert-manager's system roots." },
    { key: "vaultRootMountPath", type: "string", default: "pki-istio-root", description: "`vault` mode: path of the root PKI mount." },
    { key: "vaultIntermediateMountPath", type: "string", default: "pki-istio", description: "`vault` mode: path of the intermediate PKI mount that signs for the mesh." },
    { key: "vaultIntermediateKeyAlgorithm", type: "string", default: "ECDSA-P256", description: `\`vault\` mode: key of the Vault intermediate: ${KEY_ALGORITHMS.join(" \\| ")}.` },
    { key: "vaultIntermediateValidity", type: "string", default: "43800h", description: "`vault` mode: Vault intermediate lifetime. Must be <= `rootValidity` and longer than what it signs. Go duration, whole hours." },
    { key: "vaultKubernetesAuthPath", type: "string", default: "kubernetes-istio", description: "`vault` mode: path of the `kubernetes` auth mount the signer logs in through." },
    { key: "vaultKubernetesHost", type: "string", description: "`vault` mode (required): URL of this cluster's API server as Vault reaches it, for TokenReviews." },
    { key: "vaultKubernetesCaCert", type: "string", description: "`vault` mode: PEM CA of the API server's certificate. Default: Vault's system roots." },
    { key: "vaultTokenReviewer", type: "string", default: "client", description: "`vault` mode: who reviews login tokens: `client` (the login token itself; the signer's ServiceAccount gets `system:auth-delegator`) \\| `vault` (Vault's own in-cluster ServiceAccount)." },
    { key: "vaultKubernetesApiAudience", type: "string", description: "`vault` mode with `vaultTokenReviewer: client` (required there): an audience the API server accepts (`--api-audiences`, e.g. `https://kubernetes.default.svc.cluster.local`), added to the signer's tokens so they can review themselves." },
    { key: "vaultTokenTtl", type: "string", default: "10m", description: "`vault` mode: lifetime of the Vault token a signer login gets (1m to 1h). Go duration." },
    { key: "vaultProviderTokenTtl", type: "string", default: "2h", description: "`vault` mode: lifetime of the child token the Vault provider makes for one `pulumi up` (its `maxLeaseTtlSeconds`; the provider's own default of 20m is shorter than a rotation update). The parent token's TTL must be at least this. 20m to 24h. Go duration." },
    { key: "vaultIntermediateGeneration", type: "integer", default: "1", description: "`vault` mode: generation of the Vault intermediate. Raise it by one to renew the intermediate: the new generation is a new issuer, made the default; the old issuer stays in Vault (it is not deleted) so that what it signed keeps its chain and CRL until it expires." },
];

const KNOWN_KEYS = new Set(CONFIG_KEYS.map((spec) => spec.key));

/** A CA's key and lifetime settings. */
export interface CaCertSettings {
    keyAlgorithm: KeyAlgorithm;
    /** Lifetime, milliseconds. */
    validityMs: number;
    /** Subject CN (`rootCommonName` for roots, default "istio-ca root"). */
    commonName: string;
    /** Subject O (`organization`, default "istio-ca"). */
    organization: string;
}

export interface IntermediateCaSettings extends CaCertSettings {
    /** Re-issue this long before expiry, milliseconds. */
    renewBeforeMs: number;
}

/** An existing root CA supplied through secret config. */
export interface ExistingRoot {
    certPem: string;
    keyPem: SecretString;
}

export interface WorkloadCertSettings {
    /** `SECRET_TTL` and `DEFAULT_WORKLOAD_CERT_TTL`, milliseconds. */
    ttlMs: number;
    /** `MAX_WORKLOAD_CERT_TTL`, milliseconds. */
    maxTtlMs: number;
    /** `SECRET_GRACE_PERIOD_RATIO`, in (0, 1). */
    gracePeriodRatio: number;
}

/** Settings of the `cert-manager` CA mode. */
export interface CertManagerSettings {
    version: string;
    /** cert-manager's namespace; also its cluster resource namespace and trust-manager's trust namespace. */
    namespace: string;
    delivery: CertManagerDelivery;
    /** Root source when no existing root is configured. */
    root: CertManagerRootSource;
    serviceMonitor: boolean;
    keyRotationPolicy: KeyRotationPolicy;
    istioCsrVersion: string;
    trustManagerVersion: string;
    /** Who approves the mesh's CertificateRequests. */
    approval: CertManagerApproval;
    /** approver-policy chart version (approval "policy"). */
    approverPolicyVersion: string;
}

/** Root rotation settings (see `src/rotation.ts`). */
export interface RotationModel {
    phase: RotationPhase;
    /** Root names, oldest first; empty for modes that do not rotate. */
    roots: string[];
    /** The guard's propagation allowance, milliseconds. */
    propagationDelayMs: number;
    override?: RotationOverride;
    /** Fully qualified name of the stack holding the previous rotation state; undefined: this stack. */
    stateStack?: string;
    /** The parameters each existing root was made with, as the guard resolved them; undefined before the guard ran. */
    rootParameters?: Record<string, RootParameters>;
}

/** How the program reaches the cluster: the explicit Kubernetes provider's kubeconfig and context. */
export interface KubernetesAccess {
    /** A kubeconfig file path, or the kubeconfig itself (secret). Undefined: the provider's own lookup. */
    kubeconfig?: { path: string } | { contents: SecretString };
    /** Context of the kubeconfig. Undefined: its current context. */
    context?: string;
}

/** The validated stack model. */
export interface StackModel {
    caMode: CaMode;
    kubernetes: KubernetesAccess;
    trustDomain: string;
    istio: { version: string; namespace: string };
    workloadCerts: WorkloadCertSettings;
    rootCa: CaCertSettings;
    intermediateCa: IntermediateCaSettings;
    existingRoot?: ExistingRoot;
    /** Set when caMode is `cert-manager`. */
    certManager?: CertManagerSettings;
    meshPolicy: MeshPolicySettings;
    alerts: AlertSettings;
    rotation: RotationModel;
    /** Set when caMode is `vault`. */
    vault?: VaultSettings;
}

/** Raw config as Pulumi hands it over: values are strings (structured values JSON-encoded). */
export interface RawConfig {
    /** Keys without the `istio-ca:` prefix. Keys of other namespaces are not passed in. */
    values: Record<string, string>;
    /** Keys (without prefix) whose value is a Pulumi secret. */
    secretKeys: ReadonlySet<string>;
    /** True in a real `pulumi preview`/`up` (an engine is attached), false in the offline plan and tests. */
    deploying?: boolean;
    /** `VAULT_TOKEN` from the program's environment, if set. */
    environmentVaultToken?: string;
    /** Checks that a local file exists (a kubeconfig path); only consulted while deploying. */
    fileExists?: (path: string) => boolean;
    /** Full keys of other namespaces (`kubernetes:context`), checked only for a misspelt `istio-ca`. */
    otherNamespaceKeys?: string[];
}

export interface ConfigProblem {
    /** Full key, e.g. `istio-ca:workloadCertTtl`. */
    key: string;
    /** The offending value as text (secrets are never echoed). */
    value: string;
    message: string;
    fix: string;
}

export class ConfigError extends Error {
    constructor(readonly problems: ConfigProblem[]) {
        super(formatProblems(problems));
        this.name = "ConfigError";
    }
}

function formatProblems(problems: ConfigProblem[]): string {
    const lines = problems.map((p) => `  - ${p.key} = ${p.value}: ${p.message}\n    Fix: ${p.fix}`);
    return `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was changed:\n${lines.join("\n")}`;
}

/** Longest value text a message quotes. */
const SHOWN_MAX = 120;

/** A value as messages may show it: no PEM or key material, and cut when long. */
export function shownValue(value: unknown): string {
    if (value === undefined) return "(unset)";
    const text = typeof value === "string" ? value : JSON.stringify(value);
    if (/-----BEGIN [A-Z0-9 ]+-----|PRIVATE KEY/.test(text)) return `(PEM, ${text.length} characters, not shown)`;
    const quoted = JSON.stringify(text.length > SHOWN_MAX ? `${text.slice(0, SHOWN_MAX)}` : text);
    return text.length > SHOWN_MAX ? `${quoted.slice(0, -1)}..." (${text.length} characters)` : typeof value === "string" ? quoted : text;
}

export function fullKey(key: string): string {
    return `${CONFIG_NAMESPACE}:${key}`;
}

/** Collects problems while reading keys, so that every problem is reported at once. */
export class ConfigReader {
    readonly problems: ConfigProblem[] = [];
    constructor(private readonly raw: RawConfig) {}

    has(key: string): boolean {
        return this.raw.values[key] !== undefined;
    }

    isSecret(key: string): boolean {
        return this.raw.secretKeys.has(key);
    }

    /** The raw text of a key, quoted for messages: "(secret)" for secrets, never key material or a PEM, and long values cut. */
    shown(key: string): string {
        if (this.isSecret(key)) return "(secret)";
        return shownValue(this.raw.values[key]);
    }

    problem(key: string, message: string, fix: string): void {
        this.problems.push({ key: fullKey(key), value: this.shown(key), message, fix });
    }

    string(key: string): string | undefined {
        return this.raw.values[key];
    }

    stringOr(key: string, fallback: string): string {
        return this.raw.values[key] ?? fallback;
    }

    oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
        const value = this.raw.values[key];
        if (value === undefined) return fallback;
        if ((allowed as readonly string[]).includes(value)) return value as T;
        this.problem(key, `must be one of ${allowed.join(", ")}`, `set ${fullKey(key)} to one of: ${allowed.join(", ")}.`);
        return fallback;
    }

    /** A Go duration in milliseconds, at most `max` (default: what Go can hold). */
    duration(key: string, fallback: string, opts: { wholeHours?: boolean; max?: { ms: number; why: string } } = {}): number {
        const text = this.raw.values[key] ?? fallback;
        const ms = parseDuration(text);
        if (ms === undefined || ms <= 0) {
            this.problem(key, "is not a positive Go duration (at most 2562047h, the longest Go holds)", `use a value such as "45m", "24h" or "720h" for ${fullKey(key)}.`);
            return parseDuration(fallback)!;
        }
        if (opts.max && ms > opts.max.ms) {
            this.problem(key, `is longer than ${formatDuration(opts.max.ms)}: ${opts.max.why}`, `set ${fullKey(key)} to ${formatDuration(opts.max.ms)} or less, e.g. "${fallback}".`);
            return parseDuration(fallback)!;
        }
        if (opts.wholeHours && ms % 3600000 !== 0) {
            this.problem(key, "must be a whole number of hours (certificate lifetimes are set in hours)", `round ${fullKey(key)} to whole hours, e.g. "${Math.ceil(ms / 3600000)}h".`);
        }
        return ms;
    }

    number(key: string, fallback: number): number {
        const text = this.raw.values[key];
        if (text === undefined) return fallback;
        const value = Number(text);
        if (text.trim() === "" || !Number.isFinite(value)) {
            this.problem(key, "is not a number", `set ${fullKey(key)} to a decimal number such as 0.5.`);
            return fallback;
        }
        return value;
    }

    /** A whole number in [min, max]. */
    integer(key: string, fallback: number, min: number, max: number): number {
        const text = this.raw.values[key];
        if (text === undefined) return fallback;
        if (!/^[0-9]{1,9}$/.test(text.trim()) || Number(text) < min || Number(text) > max) {
            this.problem(key, `is not a whole number from ${min} to ${max}`, `set ${fullKey(key)} to a whole number such as ${fallback}.`);
            return fallback;
        }
        return Number(text);
    }

    boolean(key: string, fallback: boolean): boolean {
        const text = this.raw.values[key];
        if (text === undefined) return fallback;
        if (text === "true" || text === "false") return text === "true";
        this.problem(key, "is not a boolean", `set ${fullKey(key)} to true or false.`);
        return fallback;
    }

    /** A structured (JSON-encoded) value, or undefined when unset or unparsable (a problem then). */
    json(key: string): unknown {
        const text = this.raw.values[key];
        if (text === undefined) return undefined;
        try {
            return JSON.parse(text);
        } catch {
            this.problem(key, "is not a structured value", `write ${fullKey(key)} as a YAML list or map in the stack file, or as JSON with pulumi config set --path.`);
            return undefined;
        }
    }

    /** A problem in one part of a structured value, e.g. `pinnedHosts[2].host`. */
    problemAt(key: string, path: string, value: unknown, message: string, fix: string): void {
        this.problems.push({ key: `${fullKey(key)}${path}`, value: shownValue(value), message, fix });
    }

    /** A secret string; a plain (unencrypted) value is a problem. */
    secret(key: string, what = { holds: "holds private key material", value: '"$(cat key.pem)"' }): SecretString | undefined {
        const value = this.raw.values[key];
        if (value === undefined) return undefined;
        if (!this.isSecret(key)) {
            this.problems.push({
                key: fullKey(key),
                value: "(plain text, not shown)",
                message: `${what.holds} but is not a Pulumi secret, so it would sit unencrypted in the stack file`,
                fix: `run: pulumi config set --secret ${fullKey(key)} -- ${what.value}`,
            });
        }
        return new SecretString(value);
    }
}

/** DNS-style labels of lower-case letters, digits, '-' and '_', joined by single dots; no empty label. */
const TRUST_DOMAIN_RE = /^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?)*$/;
const ISTIO_VERSION_RE = /^1\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$/;
const MIN_ISTIO_MINOR = 24;

/** Edit distance, for "did you mean" hints on unknown keys. */
function editDistance(a: string, b: string): number {
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

function closestKey(key: string): string | undefined {
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
const UNKNOWN_KEYS_LISTED = 20;

function checkUnknownKeys(reader: ConfigReader, raw: RawConfig): void {
    const unknown = Object.keys(raw.values).filter((key) => !KNOWN_KEYS.has(key));
    for (const key of unknown.slice(0, UNKNOWN_KEYS_LISTED)) {
        // Keys much longer than any real key get no suggestion (and cost no edit distance).
        const suggestion = key.length <= 64 ? closestKey(key) : undefined;
        reader.problem(
            key,
            "is not a config key of this project",
            suggestion
                ? `did you mean ${fullKey(suggestion)}? Otherwise remove it: pulumi config rm ${fullKey(key)}.`
                : `remove it (pulumi config rm ${fullKey(key)}); README.md lists every key.`,
        );
    }
    if (unknown.length > UNKNOWN_KEYS_LISTED) {
        reader.problems.push({
            key: `${CONFIG_NAMESPACE}:*`,
            value: `(${unknown.length - UNKNOWN_KEYS_LISTED} more keys, not shown)`,
            message: `${unknown.length} keys in all are not config keys of this project`,
            fix: "remove the keys that are not in README's configuration reference.",
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
function looksLikeOurNamespace(namespace: string): boolean {
    if (namespace === CONFIG_NAMESPACE || namespace.length > 20) return false;
    const squash = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, "");
    return squash(namespace) === squash(CONFIG_NAMESPACE) || editDistance(namespace.toLowerCase(), CONFIG_NAMESPACE) <= 2;
}

/** A kubeconfig's contents (YAML or JSON) rather than a file path. */
function looksLikeKubeconfigContents(text: string): boolean {
    return text.includes("\n") || /^\s*(\{|apiVersion:|kind:|clusters:)/.test(text);
}

function readKubernetesAccess(reader: ConfigReader, raw: RawConfig): KubernetesAccess {
    const access: KubernetesAccess = {};
    const kubeconfig = reader.string("kubeconfig");
    if (kubeconfig !== undefined) {
        if (looksLikeKubeconfigContents(kubeconfig)) {
            const contents = reader.secret("kubeconfig", { holds: "holds a kubeconfig, whose users carry cluster credentials,", value: '"$(cat kubeconfig.yaml)"' });
            if (contents) access.kubeconfig = { contents };
        } else if (kubeconfig.trim() === "") {
            reader.problem("kubeconfig", "is empty", `set it to a kubeconfig file path, or remove it (pulumi config rm ${fullKey("kubeconfig")}) to use KUBECONFIG or ~/.kube/config.`);
        } else if (raw.deploying && raw.fileExists && !raw.fileExists(kubeconfig)) {
            reader.problem("kubeconfig", "names a file that does not exist here", `set it to the path of a kubeconfig file, or remove it (pulumi config rm ${fullKey("kubeconfig")}) to use KUBECONFIG or ~/.kube/config.`);
        } else {
            access.kubeconfig = { path: kubeconfig };
        }
    }
    const context = reader.string("kubernetesContext");
    if (context !== undefined) {
        if (context.trim() === "" || /[\s"]/.test(context)) {
            reader.problem("kubernetesContext", "is not a kubeconfig context name", `set it to a name from: kubectl config get-contexts -o name`);
        } else {
            access.context = context;
        }
    }
    return access;
}

function readCaMode(reader: ConfigReader): CaMode {
    return reader.oneOf("caMode", CA_MODES, "istiod");
}

function readTrustDomain(reader: ConfigReader): string {
    const trustDomain = reader.stringOr("trustDomain", "cluster.local");
    if (trustDomain.length === 0 || trustDomain.length > 255 || !TRUST_DOMAIN_RE.test(trustDomain)) {
        reader.problem(
            "trustDomain",
            "is not a valid SPIFFE trust domain (labels of lower-case letters, digits, '-' and '_' that start and end with a letter or digit, joined by single dots; at most 255 characters; no scheme or path)",
            `set ${fullKey("trustDomain")} to a name such as "cluster.local" or "prod.example.com".`,
        );
    }
    return trustDomain;
}

function readIstioVersion(reader: ConfigReader): string {
    const version = reader.stringOr("istioVersion", "1.30.3");
    const match = ISTIO_VERSION_RE.exec(version);
    if (!match) {
        reader.problem("istioVersion", "is not an Istio release version of the form 1.<minor>.<patch>", `set ${fullKey("istioVersion")} to a chart version such as "1.30.3" (no leading "v").`);
    } else if (Number(match[1]) < MIN_ISTIO_MINOR) {
        reader.problem("istioVersion", `is older than 1.${MIN_ISTIO_MINOR}, whose flat istiod chart values this program writes`, `set ${fullKey("istioVersion")} to 1.${MIN_ISTIO_MINOR}.0 or later, e.g. "1.30.3".`);
    }
    return version;
}

/** Shortest workload certificate lifetime accepted (the Kubernetes CSR API's minimum, 600 s). */
const MIN_WORKLOAD_CERT_TTL_MS = 10 * 60 * 1000;

function readWorkloadCerts(reader: ConfigReader): WorkloadCertSettings {
    const ttlMs = reader.duration("workloadCertTtl", "24h");
    const maxTtlMs = reader.duration("maxWorkloadCertTtl", "48h");
    for (const [key, valueMs] of [["workloadCertTtl", ttlMs], ["maxWorkloadCertTtl", maxTtlMs]] as const) {
        if (reader.has(key) && valueMs < MIN_WORKLOAD_CERT_TTL_MS) {
            reader.problem(
                key,
                `is shorter than ${formatDuration(MIN_WORKLOAD_CERT_TTL_MS)}: the Kubernetes CSR API refuses such lifetimes (expirationSeconds < 600), and elsewhere every proxy would renew every few minutes`,
                `set ${fullKey(key)} to ${formatDuration(MIN_WORKLOAD_CERT_TTL_MS)} or more; "1h" to "24h" is usual.`,
            );
        }
    }
    if (ttlMs > maxTtlMs) {
        reader.problem(
            reader.has("workloadCertTtl") ? "workloadCertTtl" : "maxWorkloadCertTtl",
            `workload certificate TTL ${formatDuration(ttlMs)} exceeds MAX_WORKLOAD_CERT_TTL ${formatDuration(maxTtlMs)}; istiod rejects such requests outright, so no workload would get a certificate`,
            `set ${fullKey("workloadCertTtl")} to ${formatDuration(maxTtlMs)} or less, or raise ${fullKey("maxWorkloadCertTtl")} to at least ${formatDuration(ttlMs)}.`,
        );
    }
    const gracePeriodRatio = reader.number("gracePeriodRatio", 0.5);
    if (!(gracePeriodRatio > 0 && gracePeriodRatio < 1)) {
        reader.problem(
            "gracePeriodRatio",
            "must be strictly between 0 and 1 (0 never renews before expiry, 1 renews continuously)",
            `set ${fullKey("gracePeriodRatio")} to a value such as 0.5.`,
        );
    }
    return { ttlMs, maxTtlMs, gracePeriodRatio };
}

/** The longest CA lifetime taken: 100 years. Beyond a few centuries, Go's time arithmetic in the tls provider wraps around. */
const CA_LIFETIME_LIMIT = { ms: 876000 * 3600000, why: "a CA's lifetime is bounded (100 years here); Go's time arithmetic wraps a few centuries out, which would give the certificate a notAfter in the past" };

/** RFC 5280's upper bound on a subject CN or O (ub-common-name, ub-organization-name). */
export const SUBJECT_NAME_MAX = 64;

/** A subject name (CN or O) from config: printable, trimmed, non-empty, at most 64 characters. */
function readSubjectName(reader: ConfigReader, key: string, fallback: string): string {
    const value = reader.stringOr(key, fallback);
    const problem =
        value.trim() === ""
            ? "is empty"
            : value.length > SUBJECT_NAME_MAX
              ? `is ${value.length} characters long; RFC 5280 allows at most ${SUBJECT_NAME_MAX}`
              : /[\u0000-\u001f\u007f]/.test(value)
                ? "holds a control character (a newline, say)"
                : value !== value.trim()
                  ? "starts or ends with whitespace"
                  : undefined;
    if (problem) {
        reader.problem(key, `${problem}; it goes into certificate subjects`, `set ${fullKey(key)} to a name of at most ${SUBJECT_NAME_MAX} printable characters, e.g. "${fallback}".`);
        return fallback;
    }
    return value;
}

/** Root settings, unused where istiod makes its own root. */
const ROOT_SETTING_KEYS = ["rootKeyAlgorithm", "rootValidity", "rootCommonName", "organization"];
/** Settings of the intermediate that signs workloads, unused where istiod makes its own CA or Vault's intermediate signs leaves. */
const INTERMEDIATE_SETTING_KEYS = ["intermediateKeyAlgorithm", "intermediateValidity", "intermediateRenewBefore"];

/** Whether the mode signs workloads with an intermediate built from the `intermediate*` settings. */
function usesIntermediateSettings(reader: ConfigReader, caMode: CaMode): boolean {
    return caMode !== "istiod" && !(caMode === "vault" && reader.string("certManagerDelivery") === "istio-csr");
}

function refuseUnusedCaKeys(reader: ConfigReader, caMode: CaMode): void {
    const unused = [...(caMode === "istiod" ? ROOT_SETTING_KEYS : []), ...(usesIntermediateSettings(reader, caMode) ? [] : INTERMEDIATE_SETTING_KEYS)];
    const why = caMode === "istiod" ? `caMode "istiod" makes its own self-signed CA` : "with the istio-csr delivery Vault's intermediate (vaultIntermediate*) signs workload certificates";
    for (const key of unused.filter((k) => reader.has(k))) {
        reader.problem(key, `is not used: ${why}`, `remove it (pulumi config rm ${fullKey(key)}).`);
    }
}

function readCaSettings(reader: ConfigReader, workloadCerts: WorkloadCertSettings, caMode: CaMode): { rootCa: CaCertSettings; intermediateCa: IntermediateCaSettings } {
    refuseUnusedCaKeys(reader, caMode);
    const organization = readSubjectName(reader, "organization", "istio-ca");
    const rootCa: CaCertSettings = {
        keyAlgorithm: reader.oneOf("rootKeyAlgorithm", KEY_ALGORITHMS, "ECDSA-P384"),
        validityMs: reader.duration("rootValidity", "87600h", { wholeHours: true, max: CA_LIFETIME_LIMIT }),
        commonName: readSubjectName(reader, "rootCommonName", "istio-ca root"),
        organization,
    };
    const intermediateCa: IntermediateCaSettings = {
        keyAlgorithm: reader.oneOf("intermediateKeyAlgorithm", KEY_ALGORITHMS, "ECDSA-P256"),
        validityMs: reader.duration("intermediateValidity", "8760h", { wholeHours: true, max: CA_LIFETIME_LIMIT }),
        renewBeforeMs: reader.duration("intermediateRenewBefore", "720h", { wholeHours: true }),
        commonName: "istio-ca intermediate",
        organization,
    };
    if (!usesIntermediateSettings(reader, caMode)) return { rootCa, intermediateCa };
    if (intermediateCa.renewBeforeMs >= intermediateCa.validityMs) {
        reader.problem(
            "intermediateRenewBefore",
            `renewBefore ${formatDuration(intermediateCa.renewBeforeMs)} is not shorter than the intermediate's duration ${formatDuration(intermediateCa.validityMs)}, so it would be re-issued continuously`,
            `set ${fullKey("intermediateRenewBefore")} below ${formatDuration(intermediateCa.validityMs)} (a third of it is common), or raise ${fullKey("intermediateValidity")}.`,
        );
    }
    if (intermediateCa.validityMs > rootCa.validityMs) {
        reader.problem(
            "intermediateValidity",
            `the intermediate would outlive its root (${formatDuration(rootCa.validityMs)})`,
            `set ${fullKey("intermediateValidity")} to at most ${fullKey("rootValidity")} (${formatDuration(rootCa.validityMs)}).`,
        );
    }
    if (workloadCerts.maxTtlMs > intermediateCa.renewBeforeMs) {
        reader.problem(
            "maxWorkloadCertTtl",
            `workload certificates may live ${formatDuration(workloadCerts.maxTtlMs)}, longer than the intermediate's renewBefore window ${formatDuration(intermediateCa.renewBeforeMs)}, so istiod could sign certificates that outlive its own CA certificate`,
            `set ${fullKey("maxWorkloadCertTtl")} to at most ${formatDuration(intermediateCa.renewBeforeMs)}, or raise ${fullKey("intermediateRenewBefore")}.`,
        );
    }
    return { rootCa, intermediateCa };
}

/** Modes that can sign with an existing root from config. */
const EXISTING_ROOT_MODES: readonly CaMode[] = ["plugin", "cert-manager", "kubernetes"];

/** Modes that install cert-manager and read its settings (`vault` signs through a cert-manager Vault issuer). */
const CERT_MANAGER_MODES: readonly CaMode[] = ["cert-manager", "kubernetes", "vault"];

/** cert-manager keys that only the `cert-manager` mode reads (the `kubernetes` mode has one fixed path). */
const CERT_MANAGER_MODE_ONLY_KEYS = ["certManagerDelivery", "istioCsrVersion", "trustManagerVersion"];

const CERT_MANAGER_KEYS = ["certManagerDelivery", "certManagerRoot", "certManagerVersion", "certManagerServiceMonitor", "certManagerKeyRotationPolicy", "certManagerApproval", "approverPolicyVersion", "istioCsrVersion", "trustManagerVersion"];
const CHART_VERSION_RE = /^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

function readChartVersion(reader: ConfigReader, key: string, fallback: string): string {
    const version = reader.stringOr(key, fallback);
    if (!CHART_VERSION_RE.test(version)) {
        reader.problem(key, "is not a jetstack chart version of the form v<major>.<minor>.<patch>", `set ${fullKey(key)} to a chart version such as "${fallback}" (with the leading "v").`);
    }
    return version;
}

function readCertManager(reader: ConfigReader, caMode: CaMode, hasExistingRoot: boolean): CertManagerSettings | undefined {
    if (!CERT_MANAGER_MODES.includes(caMode)) {
        for (const key of CERT_MANAGER_KEYS.filter((k) => reader.has(k))) {
            reader.problem(key, `is only used by caMode ${CERT_MANAGER_MODES.map((m) => `"${m}"`).join(", ")}, not "${caMode}"`, `remove it (pulumi config rm ${fullKey(key)}), or set ${fullKey("caMode")} to cert-manager.`);
        }
        return undefined;
    }
    if (caMode === "kubernetes") {
        for (const key of CERT_MANAGER_MODE_ONLY_KEYS.filter((k) => reader.has(k))) {
            reader.problem(key, `is not used by caMode "kubernetes" (there cert-manager signs Kubernetes CSRs directly)`, `remove it (pulumi config rm ${fullKey(key)}).`);
        }
        if (reader.string("certManagerRoot") === "in-cluster") {
            reader.problem(
                "certManagerRoot",
                "is in-cluster, but caMode kubernetes gives istiod the root as its trust anchor (meshConfig.caCertificates), so the program must know the root's PEM",
                `use ${fullKey("certManagerRoot")} generated (the default) or an existing root (${fullKey("existingRootCert")}/${fullKey("existingRootKey")}).`,
            );
        }
    }
    if (caMode === "vault" && reader.has("certManagerRoot")) {
        reader.problem("certManagerRoot", `is not used by caMode "vault": the root is generated inside Vault`, `remove it: pulumi config rm ${fullKey("certManagerRoot")}.`);
    }
    const settings: CertManagerSettings = {
        version: readChartVersion(reader, "certManagerVersion", DEFAULT_CERT_MANAGER_VERSION),
        namespace: DEFAULT_CERT_MANAGER_NAMESPACE,
        delivery: reader.oneOf("certManagerDelivery", CERT_MANAGER_DELIVERIES, "cacerts"),
        root: reader.oneOf("certManagerRoot", CERT_MANAGER_ROOTS, "generated"),
        serviceMonitor: reader.boolean("certManagerServiceMonitor", false),
        keyRotationPolicy: reader.oneOf("certManagerKeyRotationPolicy", KEY_ROTATION_POLICIES, "Always"),
        istioCsrVersion: readChartVersion(reader, "istioCsrVersion", DEFAULT_ISTIO_CSR_VERSION),
        trustManagerVersion: readChartVersion(reader, "trustManagerVersion", DEFAULT_TRUST_MANAGER_VERSION),
        approval: reader.oneOf("certManagerApproval", CERT_MANAGER_APPROVALS, "policy"),
        approverPolicyVersion: readChartVersion(reader, "approverPolicyVersion", DEFAULT_APPROVER_POLICY_VERSION),
    };
    if (settings.approval === "auto" && reader.has("approverPolicyVersion")) {
        reader.problem("approverPolicyVersion", `is only used with ${fullKey("certManagerApproval")} policy, not auto`, `remove it (pulumi config rm ${fullKey("approverPolicyVersion")}), or set ${fullKey("certManagerApproval")} to policy.`);
    }
    if (reader.has("certManagerRoot") && hasExistingRoot) {
        reader.problem("certManagerRoot", `asks for a ${settings.root} root, but an existing root is configured too; only one root can sign`, `remove ${fullKey("certManagerRoot")} to sign with the existing root, or remove ${fullKey("existingRootCert")} and ${fullKey("existingRootKey")}.`);
    }
    if (settings.root === "in-cluster" && settings.delivery === "istio-csr") {
        reader.problem(
            "certManagerRoot",
            "is in-cluster, but the istio-csr delivery needs a trust bundle of roots the program knows; an in-cluster root's PEM never reaches the program",
            `use ${fullKey("certManagerRoot")} generated (or an existing root), or set ${fullKey("certManagerDelivery")} to cacerts.`,
        );
    }
    for (const key of ["istioCsrVersion", "trustManagerVersion"].filter((k) => reader.has(k))) {
        if (caMode !== "kubernetes" && settings.delivery !== "istio-csr") {
            reader.problem(key, `is only used by the istio-csr delivery, not "${settings.delivery}"`, `remove it (pulumi config rm ${fullKey(key)}), or set ${fullKey("certManagerDelivery")} to istio-csr.`);
        }
    }
    return settings;
}

function readExistingRoot(reader: ConfigReader, caMode: CaMode, intermediateCa: IntermediateCaSettings): ExistingRoot | undefined {
    const certPem = reader.string("existingRootCert");
    const keyPem = reader.secret("existingRootKey");
    if (certPem === undefined && keyPem === undefined) return undefined;
    if (certPem === undefined || keyPem === undefined) {
        const missing = certPem === undefined ? "existingRootCert" : "existingRootKey";
        reader.problem(missing, "is unset, but an existing root needs both its certificate and its key", `set both ${fullKey("existingRootCert")} and ${fullKey("existingRootKey")} (the key with --secret), or neither to generate a root.`);
        return undefined;
    }
    if (!EXISTING_ROOT_MODES.includes(caMode)) {
        reader.problem("existingRootCert", `an existing root is only used by caMode ${EXISTING_ROOT_MODES.map((m) => `"${m}"`).join(" or ")}, not "${caMode}"`, `remove ${fullKey("existingRootCert")} and ${fullKey("existingRootKey")}, or set ${fullKey("caMode")} to plugin.`);
        return undefined;
    }
    const why = checkCaKeyPair(certPem, keyPem.reveal(), { validUntil: new Date(Date.now() + intermediateCa.validityMs) });
    if (why !== undefined) {
        reader.problems.push({
            key: fullKey("existingRootCert"),
            value: "(PEM, not shown)",
            message: `cannot be used as the root CA: ${why}`,
            fix: `supply one valid CA certificate that may sign CAs and outlives ${fullKey("intermediateValidity")} (${formatDuration(intermediateCa.validityMs)}) in ${fullKey("existingRootCert")}, with its own private key in ${fullKey("existingRootKey")}; or shorten ${fullKey("intermediateValidity")}.`,
        });
    }
    return { certPem, keyPem };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A list of objects from a structured key; each entry's unknown fields are problems. */
function readObjectList(reader: ConfigReader, key: string, fields: readonly string[], example: string): { path: string; entry: Record<string, unknown> }[] {
    const value = reader.json(key);
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
        reader.problemAt(key, "", value, "is not a list", `write ${fullKey(key)} as a YAML list of objects such as ${example}.`);
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
            if (!fields.includes(field)) reader.problemAt(key, `${path}.${field}`, entry[field], "is not a field of this entry", `remove it; the fields are: ${fields.join(", ")}.`);
        }
        entries.push({ path, entry });
    });
    return entries;
}

/** A string map of Kubernetes labels (selector or PrometheusRule labels). */
function readLabels(reader: ConfigReader, key: string, path: string, value: unknown, what: string): Record<string, string> | undefined {
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

function readNamespaceField(reader: ConfigReader, key: string, path: string, value: unknown): string | undefined {
    const problem = typeof value === "string" ? dns1123LabelProblem(value) : "is not a string";
    if (problem !== undefined) {
        reader.problemAt(key, path, value, `is not a namespace name: it ${problem}`, `use an existing namespace's name, e.g. "payments".`);
        return undefined;
    }
    return value as string;
}

const FALLBACK_EXAMPLE = `{namespace: legacy, selector: {app: billing}, reason: "plaintext health checks until 2027-01"}`;
const PIN_EXAMPLE = `{host: payments.prod.svc.cluster.local, clientNamespace: checkout, serviceAccounts: [prod/payments]}`;

function readPermissiveFallbacks(reader: ConfigReader, istioNamespace: string): PermissiveFallback[] {
    const key = "permissiveFallbacks";
    const fallbacks: PermissiveFallback[] = [];
    const seen = new Map<string, string>();
    for (const { path, entry } of readObjectList(reader, key, ["namespace", "selector", "reason"], FALLBACK_EXAMPLE)) {
        const namespace = readNamespaceField(reader, key, `${path}.namespace`, entry.namespace);
        const selector = entry.selector === undefined ? undefined : readLabels(reader, key, `${path}.selector`, entry.selector, "workload labels");
        const reason = typeof entry.reason === "string" ? entry.reason.trim() : "";
        if (reason === "") {
            reader.problemAt(key, `${path}.reason`, entry.reason, "is empty; every exception to STRICT mTLS must say why it exists", `add reason: "<why plaintext is still needed, and until when>" to this entry.`);
        }
        if (namespace === undefined || (entry.selector !== undefined && selector === undefined) || reason === "") continue;
        if (namespace === istioNamespace && selector === undefined) {
            reader.problemAt(key, `${path}.namespace`, namespace, `a fallback without selector in ${istioNamespace} (the Istio root namespace) would replace the mesh-wide policy`, `set ${fullKey("mtlsMode")} instead, or add a selector to this entry.`);
            continue;
        }
        const identity = `${namespace}/${selectorKey(selector)}`;
        if (seen.has(identity)) {
            reader.problemAt(key, path, entry, `duplicates ${fullKey(key)}${seen.get(identity)} (same namespace and selector)`, "remove one of the two entries, or merge their reasons.");
            continue;
        }
        seen.set(identity, path);
        fallbacks.push({ namespace, ...(selector ? { selector } : {}), reason });
    }
    return fallbacks;
}

function readPinnedHosts(reader: ConfigReader): PinnedHost[] {
    const key = "pinnedHosts";
    const pins: PinnedHost[] = [];
    const seen = new Map<string, string>();
    for (const { path, entry } of readObjectList(reader, key, ["host", "clientNamespace", "serviceAccounts"], PIN_EXAMPLE)) {
        const hostProblem = typeof entry.host === "string" ? pinnedHostProblem(entry.host) : "is not a string";
        if (hostProblem !== undefined) {
            reader.problemAt(key, `${path}.host`, entry.host, `is not a host this program can pin: it ${hostProblem}`, `use the service's FQDN such as "payments.prod.svc.cluster.local", or "*.prod.svc.cluster.local" for a namespace.`);
        }
        const clientNamespace = readNamespaceField(reader, key, `${path}.clientNamespace`, entry.clientNamespace);
        const serviceAccounts: string[] = [];
        if (!Array.isArray(entry.serviceAccounts) || entry.serviceAccounts.length === 0) {
            reader.problemAt(key, `${path}.serviceAccounts`, entry.serviceAccounts, "is not a non-empty list; the servers' identities must be listed because Istio workload certificates carry no DNS names", `list the servers' service accounts as "namespace/name", e.g. ["prod/payments"].`);
        } else {
            for (const [index, account] of entry.serviceAccounts.entries()) {
                const parts = typeof account === "string" ? account.split("/") : [];
                const problem =
                    parts.length !== 2 ? "is not of the form namespace/name" : dns1123LabelProblem(parts[0]) ?? (dns1123SubdomainProblem(parts[1]) === undefined ? undefined : "has a service account name that is not a DNS-1123 subdomain");
                if (problem !== undefined) {
                    reader.problemAt(key, `${path}.serviceAccounts[${index}]`, account, `is not a service account reference: it ${problem}`, `write it as "namespace/name", e.g. "prod/payments".`);
                } else if (serviceAccounts.includes(account)) {
                    reader.problemAt(key, `${path}.serviceAccounts[${index}]`, account, "is listed twice", "remove the duplicate.");
                } else {
                    serviceAccounts.push(account);
                }
            }
        }
        if (hostProblem !== undefined || clientNamespace === undefined || serviceAccounts.length === 0) continue;
        const host = entry.host as string;
        const identity = `${clientNamespace}/${host}`;
        if (seen.has(identity)) {
            reader.problemAt(key, path, entry, `duplicates ${fullKey(key)}${seen.get(identity)} (same host and client namespace)`, "remove one entry, or merge their serviceAccounts.");
            continue;
        }
        seen.set(identity, path);
        pins.push({ host, clientNamespace, serviceAccounts });
    }
    return pins;
}

/** Whether the program knows the mesh's roots (so it can pin them), for a mode and its root source. */
function programKnowsRoots(caMode: CaMode, certManager: CertManagerSettings | undefined): boolean {
    return caMode !== "istiod" && certManager?.root !== "in-cluster";
}

function readMeshPolicy(reader: ConfigReader, caMode: CaMode, istioNamespace: string, knowsRoots: boolean): MeshPolicySettings {
    const enabled = reader.boolean("meshPolicyEnabled", true);
    const mtlsMode = reader.oneOf("mtlsMode", MTLS_MODES, "STRICT");
    const permissiveFallbacks = readPermissiveFallbacks(reader, istioNamespace);
    const pinnedHosts = readPinnedHosts(reader);
    if (!enabled) {
        for (const key of ["mtlsMode", "permissiveFallbacks", "pinnedHosts"]) {
            if (reader.has(key)) reader.problem(key, `is set but ${fullKey("meshPolicyEnabled")} is false, so it would be ignored`, `remove ${fullKey(key)}, or set ${fullKey("meshPolicyEnabled")} to true.`);
        }
    }
    if (mtlsMode === "PERMISSIVE" && permissiveFallbacks.length > 0) {
        reader.problem("permissiveFallbacks", `has no effect: the mesh-wide ${fullKey("mtlsMode")} is already PERMISSIVE`, `remove ${fullKey("permissiveFallbacks")}, or set ${fullKey("mtlsMode")} to STRICT.`);
    }
    if (pinnedHosts.length > 0) {
        if (!knowsRoots) {
            reader.problem(
                "pinnedHosts",
                caMode === "istiod"
                    ? `needs a trust bundle this program knows, but caMode "istiod" keeps its self-signed root inside istiod`
                    : `needs a trust bundle this program knows, but ${fullKey("certManagerRoot")} in-cluster keeps the root inside the cluster`,
                `use a mode with a root the program manages (caMode plugin, or certManagerRoot generated), or remove ${fullKey("pinnedHosts")}.`,
            );
        }
        if (mtlsMode === "PERMISSIVE") {
            reader.problem("pinnedHosts", "needs STRICT servers: a PERMISSIVE sidecar hands TLS without Istio's ALPN to the application instead of terminating it", `set ${fullKey("mtlsMode")} to STRICT, or remove ${fullKey("pinnedHosts")}.`);
        }
        const permissiveNamespaces = new Set(permissiveFallbacks.filter((f) => !f.selector).map((f) => f.namespace));
        pinnedHosts.forEach((pin, index) => {
            const clash = pin.serviceAccounts.find((sa) => permissiveNamespaces.has(sa.split("/")[0]));
            if (clash) {
                reader.problemAt("pinnedHosts", `[${index}].serviceAccounts`, clash, `runs in namespace ${clash.split("/")[0]}, which a permissiveFallbacks entry makes PERMISSIVE; a PERMISSIVE sidecar passes the pinned TLS to the application`, `scope that fallback with a selector that excludes the pinned servers, or remove the pin.`);
            }
        });
    }
    return { enabled, mtlsMode, permissiveFallbacks, pinnedHosts };
}

function readAlerts(reader: ConfigReader, intermediateCa: IntermediateCaSettings): AlertSettings {
    // Off by default: a plain cluster has no PrometheusRule CRD (the Prometheus Operator's).
    const enabled = reader.boolean("alertsEnabled", false);
    // Unset windows follow the CA lifetimes, so that short test lifetimes need no alert settings.
    const defaults = { renewalMarginMs: Math.min(24 * 3600000, Math.floor(intermediateCa.renewBeforeMs / 4)), rootExpiryWindowMs: Math.min(2160 * 3600000, Math.floor(intermediateCa.validityMs / 2)) };
    if (!enabled) {
        for (const key of ["alertRenewalMargin", "alertRootExpiryWindow", "alertRuleLabels"]) {
            if (reader.has(key)) reader.problem(key, `is set but ${fullKey("alertsEnabled")} is false (the default), so it would be ignored`, `remove ${fullKey(key)}, or set ${fullKey("alertsEnabled")} to true (needs the Prometheus Operator's PrometheusRule CRD).`);
        }
        return { enabled, ...defaults, ruleLabels: {} };
    }
    const renewalMarginMs = reader.has("alertRenewalMargin") ? reader.duration("alertRenewalMargin", "24h") : defaults.renewalMarginMs;
    const rootExpiryWindowMs = reader.has("alertRootExpiryWindow") ? reader.duration("alertRootExpiryWindow", "2160h") : defaults.rootExpiryWindowMs;
    if (reader.has("alertRenewalMargin") && renewalMarginMs * 2 >= intermediateCa.renewBeforeMs) {
        reader.problem(
            "alertRenewalMargin",
            `is not shorter than half of the intermediate's renewBefore window (${formatDuration(intermediateCa.renewBeforeMs)}), so the "renewal overdue" warning would not come before the page at half that window`,
            `set ${fullKey("alertRenewalMargin")} below ${formatDuration(intermediateCa.renewBeforeMs / 2)}, or raise ${fullKey("intermediateRenewBefore")}.`,
        );
    }
    if (reader.has("alertRootExpiryWindow") && rootExpiryWindowMs >= intermediateCa.validityMs) {
        reader.problem(
            "alertRootExpiryWindow",
            `is not shorter than the intermediate's lifetime (${formatDuration(intermediateCa.validityMs)}), when the root expiry warning fires, so the page would come before the warning`,
            `set ${fullKey("alertRootExpiryWindow")} below ${formatDuration(intermediateCa.validityMs)}, e.g. "2160h" (90 days).`,
        );
    }
    const rawLabels = reader.json("alertRuleLabels");
    const ruleLabels = rawLabels === undefined ? {} : readLabels(reader, "alertRuleLabels", "", rawLabels, "labels") ?? {};
    return { enabled, renewalMarginMs, rootExpiryWindowMs, ruleLabels };
}

/** One to three '/'-separated parts, each starting with a letter or digit (no "." or ".." parts). */
const STACK_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*(\/[A-Za-z0-9][A-Za-z0-9_.-]*){0,2}$/;

/** The shortest propagation allowance the guard takes (README, "The guard"). */
const MIN_PROPAGATION_DELAY_MS = 10 * 60000;

function readRoots(reader: ConfigReader): string[] | undefined {
    const text = reader.string("roots");
    if (text === undefined) return [DEFAULT_ROOT_NAME];
    let roots: unknown;
    try {
        roots = JSON.parse(text);
    } catch {
        roots = undefined;
    }
    if (!Array.isArray(roots) || !roots.every((root) => typeof root === "string")) {
        reader.problem("roots", "is not a list of root names", `set it as a list, e.g. in the stack file \`${fullKey("roots")}: [r2026, r2027]\`, or: pulumi config set --path '${fullKey("roots")}[0]' r2026`);
        return undefined;
    }
    const bad = roots.filter((root) => !ROOT_NAME_RE.test(root));
    if (bad.length > 0) {
        reader.problem("roots", `has names that are not lower-case DNS labels: ${bad.map((b) => JSON.stringify(b)).join(", ")}`, "use names of lower-case letters, digits and '-', at most 63 characters, such as r2026.");
        return undefined;
    }
    if (new Set(roots).size !== roots.length) {
        reader.problem("roots", "lists a root twice", "list each root once, oldest first.");
        return undefined;
    }
    return roots;
}

/**
 * Whether this program rotates the mode's roots: a rotating mode with a root whose PEM it knows.
 * An in-cluster cert-manager root never reaches the program, so it cannot sit in a bundle next to a new root.
 */
export function rotatesRoots(model: Pick<StackModel, "caMode" | "certManager">): boolean {
    return ROTATING_CA_MODES.includes(model.caMode) && model.certManager?.root !== "in-cluster";
}

function readRotation(reader: ConfigReader, caMode: CaMode, certManager?: CertManagerSettings): RotationModel {
    const phase = reader.oneOf("rotationPhase", ROTATION_PHASES, "steady");
    const propagationDelayMs = reader.duration("rotationPropagationDelay", "1h", { max: { ms: 720 * 3600000, why: "the guard would hold each phase for over a month" } });
    if (propagationDelayMs < MIN_PROPAGATION_DELAY_MS) {
        reader.problem(
            "rotationPropagationDelay",
            `is shorter than ${formatDuration(MIN_PROPAGATION_DELAY_MS)}, less than a mesh needs to take a new root: the kubelet's sync of the mounted cacerts (up to its sync period plus its cache TTL), istiod's reload and its namespace controller writing istio-ca-root-cert to every namespace, then the xDS push to every proxy`,
            `set ${fullKey("rotationPropagationDelay")} to ${formatDuration(MIN_PROPAGATION_DELAY_MS)} or more; "1h" (the default) leaves room for a large mesh.`,
        );
    }
    const rotating = rotatesRoots({ caMode, certManager });
    const readRootList = readRoots(reader);
    let roots = readRootList ?? [];
    if (!rotating) {
        const inClusterRoot = ROTATING_CA_MODES.includes(caMode);
        const [message, fix] = inClusterRoot
            ? [
                  `cannot rotate an in-cluster root (${fullKey("certManagerRoot")} in-cluster): its PEM never reaches the program, so it cannot be put in a trust bundle next to a new root`,
                  `To make roots rotatable, the mesh must be on a root the program knows (certManagerRoot generated or existingRootCert); moving a live mesh off the in-cluster root is itself a root change (README, "Root CA rotation").`,
              ]
            : [`root rotation is done by this program only for caMode ${ROTATING_CA_MODES.join(", ")}, not "${caMode}"`, `Or switch ${fullKey("caMode")} (see README, "Changing the CA strategy").`];
        for (const key of ["roots", "rotationPhase"]) {
            if (reader.has(key) && !(key === "rotationPhase" && phase === "steady")) {
                reader.problem(key, message, `remove it (pulumi config rm ${fullKey(key)}). ${fix}`);
            }
        }
        roots = [];
    } else if (readRootList !== undefined && reader.has("roots") && roots.length !== rootCountFor(phase)) {
        const example = phase === "steady" ? `[${roots[roots.length - 1] ?? DEFAULT_ROOT_NAME}]` : `[${roots[0] ?? DEFAULT_ROOT_NAME}, ${roots[1] ?? "<new root>"}]`;
        reader.problem(
            "roots",
            `lists ${roots.length} root(s), but rotationPhase ${phase} needs ${rootCountFor(phase)} (${phase === "steady" ? "the one root in use" : "the old root, then the new one"})`,
            `set ${fullKey("roots")} to ${example}.`,
        );
    } else if (!reader.has("roots") && phase !== "steady") {
        reader.problem("rotationPhase", `phase ${phase} needs two roots, but ${fullKey("roots")} is unset (one root, "${DEFAULT_ROOT_NAME}")`, `set ${fullKey("roots")} to [${DEFAULT_ROOT_NAME}, <new root name>].`);
    }

    const overrideName = reader.string("rotationOverride");
    const reason = reader.string("rotationOverrideReason");
    let override: RotationOverride | undefined;
    if (overrideName !== undefined) {
        const name = reader.oneOf("rotationOverride", ROTATION_OVERRIDES, ROTATION_OVERRIDES[0]);
        if (reason === undefined || reason.trim().length < 10) {
            reader.problem("rotationOverrideReason", "must say why the check is waived (at least 10 characters) when rotationOverride is set", `run: pulumi config set ${fullKey("rotationOverrideReason")} "<why it is safe or necessary>"`);
        }
        override = { name, reason: reason ?? "" };
    } else if (reason !== undefined) {
        reader.problem("rotationOverrideReason", "is set without rotationOverride", `remove it (pulumi config rm ${fullKey("rotationOverrideReason")}), or set ${fullKey("rotationOverride")}.`);
    }

    const stateStack = reader.string("rotationStateStack");
    if (stateStack !== undefined && !STACK_NAME_RE.test(stateStack)) {
        reader.problem("rotationStateStack", "is not a stack name", `use <organization>/<project>/<stack>, e.g. "organization/istio-ca/prod" for a self-managed backend.`);
    }
    return { phase, roots, propagationDelayMs, override, stateStack };
}

/** Settings of the `vault` CA mode. */
export interface VaultSettings {
    /** Vault address, e.g. "https://vault.example.com:8200". */
    address: string;
    /** Vault Enterprise namespace, or undefined for the root namespace. */
    namespace?: string;
    /**
     * Token from secret config (`vaultToken`), for the Vault provider. Undefined when the token comes
     * from `VAULT_TOKEN`: the provider then reads the environment itself on every run, so the token
     * never lands in Pulumi state and a later destroy or refresh uses a fresh one.
     */
    token?: SecretString;
    /** PEM CA bundle of Vault's TLS certificate, for cert-manager. */
    caBundlePem?: string;
    rootMountPath: string;
    intermediateMountPath: string;
    /** The Vault intermediate: key, lifetime (milliseconds) and generation (1, 2, ...; a new one renews it). */
    intermediate: { keyAlgorithm: KeyAlgorithm; validityMs: number; generation: number };
    kubernetesAuth: {
        path: string;
        host: string;
        caCertPem?: string;
        /** `client`: the login token reviews itself; `vault`: Vault's own ServiceAccount reviews. */
        tokenReviewer: VaultTokenReviewer;
        /** With the `client` reviewer: an API server audience added to the signer's tokens. */
        apiAudience?: string;
        /** Vault token lifetime of a signer login, milliseconds. */
        tokenTtlMs: number;
    };
    /** TTL of the child token the Vault provider makes for one update (`maxLeaseTtlSeconds`), milliseconds. */
    providerTokenTtlMs: number;
}

export const VAULT_TOKEN_REVIEWERS = ["client", "vault"] as const;
export type VaultTokenReviewer = (typeof VAULT_TOKEN_REVIEWERS)[number];

const VAULT_KEYS = CONFIG_KEYS.map((spec) => spec.key).filter((key) => key.startsWith("vault"));
const VAULT_PATH_RE = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;
/** Mount paths Vault reserves for itself. */
const VAULT_RESERVED_MOUNTS = ["sys", "auth", "identity", "cubbyhole"];
const MIN_VAULT_TOKEN_TTL_MS = 60 * 1000;
const MAX_VAULT_INTERMEDIATE_GENERATION = 9999;
/** The provider's own default child token TTL (1200 s), the shortest accepted. */
const MIN_VAULT_PROVIDER_TOKEN_TTL_MS = 20 * 60 * 1000;
const MAX_VAULT_PROVIDER_TOKEN_TTL_MS = 24 * 3600 * 1000;
const MAX_VAULT_TOKEN_TTL_MS = 3600 * 1000;

/** An `https://host[:port]` URL with nothing after the authority, or undefined with a problem. */
function readHttpsUrl(reader: ConfigReader, key: string, example: string): string | undefined {
    const text = reader.string(key);
    if (text === undefined) {
        reader.problem(key, `is required by caMode "vault"`, `set it: pulumi config set ${fullKey(key)} ${example}`);
        return undefined;
    }
    let url: URL | undefined;
    try {
        url = new URL(text);
    } catch {
        url = undefined;
    }
    if (url && (url.username || url.password)) {
        // The URL goes into the ClusterIssuer, the provider and every certificate's issuing URLs: never echo it.
        reader.problems.push({
            key: fullKey(key),
            value: "(URL with credentials, not shown)",
            message: "holds a user name or password; it would be copied into the ClusterIssuer, the Vault provider and the issuing and CRL URLs of every certificate",
            fix: `set ${fullKey(key)} to a URL without credentials, such as ${example}; give the token as ${fullKey("vaultToken")} (--secret) or VAULT_TOKEN.`,
        });
        return undefined;
    }
    if (!url || url.protocol !== "https:" || !url.hostname || (url.pathname !== "/" && url.pathname !== "") || url.search || url.hash) {
        reader.problem(key, "is not an https URL of the form https://host[:port] (tokens and certificates must not cross the network in clear text)", `set ${fullKey(key)} to a URL such as ${example}.`);
        return undefined;
    }
    return text.replace(/\/+$/, "");
}

function readPemBundle(reader: ConfigReader, key: string): string | undefined {
    const text = reader.string(key);
    if (text === undefined) return undefined;
    const pems = splitPemCertificates(text);
    const leftover = text.replace(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g, "").trim();
    const bad =
        pems.length === 0
            ? "it holds no PEM certificate"
            : /PRIVATE KEY/.test(text)
              ? "it holds a private key, which must never be in this key (it is not a secret)"
              : leftover !== ""
                ? "it holds text besides the PEM certificates"
                : pems.map((pem) => checkCertificatePem(pem)).find((why) => why !== undefined);
    if (bad) reader.problem(key, `is not a PEM certificate bundle: ${bad}`, `set ${fullKey(key)} to the PEM CA certificate(s): pulumi config set ${fullKey(key)} -- "$(cat ca.pem)".`);
    return text;
}

function checkCertificatePem(pem: string): string | undefined {
    try {
        new X509Certificate(pem);
        return undefined;
    } catch (err) {
        return (err as Error).message;
    }
}

function readMountPath(reader: ConfigReader, key: string, fallback: string): string {
    const path = reader.stringOr(key, fallback);
    if (!VAULT_PATH_RE.test(path)) {
        reader.problem(key, "is not a Vault mount path (letters, digits, '-' and '_' in '/'-separated segments, no leading or trailing '/')", `set ${fullKey(key)} to a path such as "${fallback}".`);
    } else if (VAULT_RESERVED_MOUNTS.includes(path.split("/")[0])) {
        reader.problem(key, `starts with "${path.split("/")[0]}/", which Vault reserves`, `set ${fullKey(key)} to a path such as "${fallback}".`);
    }
    return path;
}

function readVault(reader: ConfigReader, raw: RawConfig, caMode: CaMode, rootCa: CaCertSettings, intermediateCa: IntermediateCaSettings, workloadCerts: WorkloadCertSettings, delivery: VaultDelivery, roots: string[] = []): VaultSettings | undefined {
    if (caMode !== "vault") {
        for (const key of VAULT_KEYS.filter((k) => reader.has(k))) {
            reader.problem(key, `is only used by caMode "vault", not "${caMode}"`, `remove it (pulumi config rm ${fullKey(key)}), or set ${fullKey("caMode")} to vault.`);
        }
        return undefined;
    }
    // Each root is a Vault issuer named after it.
    const reserved = roots.filter((root) => (VAULT_RESERVED_ROOT_NAMES as readonly string[]).includes(root));
    if (reserved.length > 0) {
        reader.problem("roots", `names a root ${reserved.map((r) => JSON.stringify(r)).join(", ")}, which cannot name a Vault issuer here ("default" is reserved by Vault, "${DEFAULT_ROOT_ISSUER_NAME}" is the issuer of the root "${DEFAULT_ROOT_NAME}")`, "use another name, such as r2027.");
    }
    const address = readHttpsUrl(reader, "vaultAddress", "https://vault.example.com:8200");
    const namespace = reader.string("vaultNamespace");
    if (namespace !== undefined && !VAULT_PATH_RE.test(namespace)) {
        reader.problem("vaultNamespace", "is not a Vault namespace path ('/'-separated names, no leading or trailing '/')", `set ${fullKey("vaultNamespace")} to a namespace such as "platform/mesh", or remove it for the root namespace.`);
    }
    const configToken = reader.secret("vaultToken", { holds: "holds a Vault token", value: '"$VAULT_TOKEN"' });
    if (configToken === undefined && !raw.environmentVaultToken && raw.deploying) {
        reader.problem(
            "vaultToken",
            "is unset and VAULT_TOKEN is not in the environment, but the Vault provider needs a token with rights to configure PKI mounts, policies and auth",
            `export VAULT_TOKEN (e.g. after "vault login"), or run: pulumi config set --secret ${fullKey("vaultToken")} -- "$VAULT_TOKEN". The offline plan needs neither.`,
        );
    }
    const rootMountPath = readMountPath(reader, "vaultRootMountPath", "pki-istio-root");
    const intermediateMountPath = readMountPath(reader, "vaultIntermediateMountPath", "pki-istio");
    if (rootMountPath === intermediateMountPath) {
        reader.problem("vaultIntermediateMountPath", `is the same mount as ${fullKey("vaultRootMountPath")}; the root and the intermediate need a mount each`, `set ${fullKey("vaultIntermediateMountPath")} to another path, e.g. "pki-istio".`);
    } else if (`${intermediateMountPath}/`.startsWith(`${rootMountPath}/`) || `${rootMountPath}/`.startsWith(`${intermediateMountPath}/`)) {
        // vault/mount.go mountInternal: "path is already in use at <path>/" for a mount under another.
        reader.problem("vaultIntermediateMountPath", `nests with ${fullKey("vaultRootMountPath")} ("${rootMountPath}"); Vault refuses a mount under another mount`, `use two sibling paths, e.g. "pki-istio-root" and "pki-istio".`);
    }
    const intermediate = {
        keyAlgorithm: reader.oneOf("vaultIntermediateKeyAlgorithm", KEY_ALGORITHMS, "ECDSA-P256"),
        validityMs: reader.duration("vaultIntermediateValidity", "43800h", { wholeHours: true, max: CA_LIFETIME_LIMIT }),
        generation: reader.integer("vaultIntermediateGeneration", 1, 1, MAX_VAULT_INTERMEDIATE_GENERATION),
    };
    if (intermediate.validityMs > rootCa.validityMs) {
        reader.problem("vaultIntermediateValidity", `the Vault intermediate would outlive its root (${formatDuration(rootCa.validityMs)})`, `set ${fullKey("vaultIntermediateValidity")} to at most ${fullKey("rootValidity")} (${formatDuration(rootCa.validityMs)}).`);
    }
    const signed = delivery === "cacerts" ? { key: "intermediateValidity", ms: intermediateCa.validityMs, what: "istiod's CA certificate" } : { key: "maxWorkloadCertTtl", ms: workloadCerts.maxTtlMs, what: "the longest workload certificate" };
    if (intermediate.validityMs <= signed.ms) {
        reader.problem(
            "vaultIntermediateValidity",
            `${formatDuration(intermediate.validityMs)} is not longer than ${signed.what} (${fullKey(signed.key)} = ${formatDuration(signed.ms)}); Vault refuses to sign a certificate that outlives its issuer`,
            `raise ${fullKey("vaultIntermediateValidity")} well above ${formatDuration(signed.ms)} (e.g. "43800h"), or lower ${fullKey(signed.key)}.`,
        );
    }
    const authPath = readMountPath(reader, "vaultKubernetesAuthPath", "kubernetes-istio");
    const host = readHttpsUrl(reader, "vaultKubernetesHost", "https://kubernetes.example.com:6443");
    const tokenReviewer = reader.oneOf("vaultTokenReviewer", VAULT_TOKEN_REVIEWERS, "client");
    const apiAudience = reader.string("vaultKubernetesApiAudience");
    if (tokenReviewer === "client" && apiAudience === undefined) {
        reader.problem(
            "vaultKubernetesApiAudience",
            "is required with vaultTokenReviewer client: Vault reviews a login token by calling the API server with that same token, which the API server accepts only if the token also carries one of its audiences",
            `set it to an audience of your API server (the "aud" of: kubectl create token default), e.g. pulumi config set ${fullKey("vaultKubernetesApiAudience")} https://kubernetes.default.svc.cluster.local; or set ${fullKey("vaultTokenReviewer")} to vault if Vault runs in this cluster.`,
        );
    } else if (tokenReviewer === "vault" && apiAudience !== undefined) {
        reader.problem("vaultKubernetesApiAudience", "is only used with vaultTokenReviewer client; with the vault reviewer the signer's tokens carry only the Vault audience", `remove it: pulumi config rm ${fullKey("vaultKubernetesApiAudience")}.`);
    } else if (apiAudience !== undefined && !/^[A-Za-z0-9._~:/?#@!$&()*+,;=%[\]-]{1,255}$/.test(apiAudience)) {
        reader.problem("vaultKubernetesApiAudience", "is not an audience (1 to 255 URI characters: no spaces, quotes or backslashes)", `set it to the "aud" of a token from: kubectl create token default.`);
    }
    const tokenTtlMs = reader.duration("vaultTokenTtl", "10m");
    if (tokenTtlMs < MIN_VAULT_TOKEN_TTL_MS || tokenTtlMs > MAX_VAULT_TOKEN_TTL_MS) {
        reader.problem("vaultTokenTtl", `must be between 1m and 1h: the signer logs in for each signing, so its token should expire soon after`, `set ${fullKey("vaultTokenTtl")} to a value such as "10m".`);
    }
    const providerTokenTtlMs = reader.duration("vaultProviderTokenTtl", "2h");
    if (providerTokenTtlMs < MIN_VAULT_PROVIDER_TOKEN_TTL_MS || providerTokenTtlMs > MAX_VAULT_PROVIDER_TOKEN_TTL_MS) {
        reader.problem(
            "vaultProviderTokenTtl",
            "must be between 20m and 24h: the Vault provider's child token must outlive the whole update, including deletes at its end",
            `set ${fullKey("vaultProviderTokenTtl")} to a value such as "2h", no longer than your Vault token's TTL.`,
        );
    }
    return {
        address: address ?? "",
        namespace,
        token: configToken,
        providerTokenTtlMs,
        caBundlePem: readPemBundle(reader, "vaultCaBundle"),
        rootMountPath,
        intermediateMountPath,
        intermediate,
        kubernetesAuth: {
            path: authPath,
            host: host ?? "",
            caCertPem: readPemBundle(reader, "vaultKubernetesCaCert"),
            tokenReviewer,
            apiAudience,
            tokenTtlMs,
        },
    };
}

/** Refuses root settings whose subject CNs, as the program composes them, exceed RFC 5280's 64 characters. */
function checkGeneratedSubjects(reader: ConfigReader, caMode: CaMode, rootCa: CaCertSettings, roots: string[], hasExistingRoot: boolean, vault: VaultSettings | undefined): void {
    if (caMode === "istiod") return;
    const generated = (roots.length > 0 ? roots : [DEFAULT_ROOT_NAME]).filter((_, index) => !(hasExistingRoot && index === 0));
    const rootCns = generated.map((root) => (caMode === "vault" ? vaultRootNaming(root, `${rootCa.commonName} vault`).commonName : `${rootCa.commonName} ${root}`));
    const longRoot = rootCns.find((cn) => cn.length > SUBJECT_NAME_MAX);
    if (longRoot) {
        reader.problem("rootCommonName", `makes the root CN "${longRoot}", ${longRoot.length} characters with the root's name appended; RFC 5280 allows at most ${SUBJECT_NAME_MAX}`, `shorten ${fullKey("rootCommonName")} (or the root names) so that "<rootCommonName> ${caMode === "vault" ? "vault " : ""}<root>" fits in ${SUBJECT_NAME_MAX} characters.`);
    }
    if (vault) {
        const signing = roots.length > 0 ? roots[roots.length - 1] : DEFAULT_ROOT_NAME;
        const cn = vaultIntermediateNaming(signing, `${rootCa.organization} vault intermediate`, vault.intermediate.generation).commonName;
        if (cn.length > SUBJECT_NAME_MAX) {
            reader.problem("organization", `makes the Vault intermediate's CN "${cn}", ${cn.length} characters; RFC 5280 allows at most ${SUBJECT_NAME_MAX}`, `shorten ${fullKey("organization")} so that "<organization> vault intermediate <root> g<n>" fits in ${SUBJECT_NAME_MAX} characters.`);
        }
    }
}

/** The existing root from config, if the root at this position of `roots` is it: an existing root is always the first. */
export function existingRootAt(model: Pick<StackModel, "existingRoot">, rootIndex: number): ExistingRoot | undefined {
    return rootIndex === 0 ? model.existingRoot : undefined;
}

/**
 * Whether istiod holds a signing CA in this model: false when istio-csr signs workloads (istiod's
 * CA server is off) and when istiod is only a registration authority for the Kubernetes CSR API.
 */
export function istiodHoldsCa(model: Pick<StackModel, "caMode" | "certManager">): boolean {
    if (model.caMode === "kubernetes") return false;
    // cert-manager and vault share the delivery setting (`certManagerDelivery`).
    return model.certManager?.delivery !== "istio-csr";
}

/** istiod's namespace; `cacerts` and the mesh-wide policy live there. */
const ISTIO_NAMESPACE = "istio-system";

/** Turns raw stack config into the validated model, or throws a ConfigError listing every problem. */
export function parseStackConfig(raw: RawConfig): StackModel {
    const reader = new ConfigReader(raw);
    checkUnknownKeys(reader, raw);
    const kubernetes = readKubernetesAccess(reader, raw);
    const caMode = readCaMode(reader);
    const trustDomain = readTrustDomain(reader);
    const version = readIstioVersion(reader);
    const workloadCerts = readWorkloadCerts(reader);
    const { rootCa, intermediateCa } = readCaSettings(reader, workloadCerts, caMode);
    const existingRoot = readExistingRoot(reader, caMode, intermediateCa);
    const certManager = readCertManager(reader, caMode, reader.has("existingRootCert") || reader.has("existingRootKey"));
    const meshPolicy = readMeshPolicy(reader, caMode, ISTIO_NAMESPACE, programKnowsRoots(caMode, certManager));
    const alerts = readAlerts(reader, intermediateCa);
    const rotation = readRotation(reader, caMode, certManager);
    const vault = readVault(reader, raw, caMode, rootCa, intermediateCa, workloadCerts, certManager?.delivery ?? "cacerts", rotation.roots);
    checkGeneratedSubjects(reader, caMode, rootCa, rotation.roots, existingRoot !== undefined, vault);
    if (reader.problems.length > 0) throw new ConfigError(reader.problems);
    return {
        caMode,
        kubernetes,
        trustDomain,
        istio: { version, namespace: ISTIO_NAMESPACE },
        workloadCerts,
        rootCa,
        intermediateCa,
        existingRoot,
        certManager,
        meshPolicy,
        alerts,
        rotation,
        vault,
    };
}
