/** Every config key, with its type, default and meaning: the one list the configuration reference (docs/configuration.md) and the parser follow. */
import { KEY_ROTATION_POLICIES } from "../certManagerResources";
import { DEFAULT_CERT_MANAGER_VERSION, DEFAULT_ISTIO_CSR_VERSION, DEFAULT_TRUST_MANAGER_VERSION } from "../certManagerValues";
import { DEFAULT_APPROVER_POLICY_VERSION } from "../issuancePolicy";
import { MTLS_MODES } from "../meshPolicy";
import { KEY_ALGORITHMS } from "../pki";
import { CA_MODES, CERT_MANAGER_DELIVERIES, CERT_MANAGER_ROOTS } from "../caModes";
import { DEFAULT_ROOT_NAME, ROTATION_OVERRIDES, ROTATION_PHASES } from "../rotation";
import { DATA_PLANES } from "../ambient";

export const CONFIG_NAMESPACE = "istio-ca";

export { CA_MODES, CERT_MANAGER_DELIVERIES, CERT_MANAGER_ROOTS } from "../caModes";
export { DATA_PLANES } from "../ambient";
export type { DataPlane } from "../ambient";
export type { CaMode, CertManagerDelivery, CertManagerRootSource } from "../caModes";

/** Who approves the mesh's cert-manager CertificateRequests. */
export const CERT_MANAGER_APPROVALS = ["policy", "auto"] as const;
export type CertManagerApproval = (typeof CERT_MANAGER_APPROVALS)[number];

/** Value types, as Pulumi's project `config:` block names them where it has one. */
export type ConfigValueType = "string" | "integer" | "boolean" | "number" | "array" | "object";

/** One documented config key. The configuration reference and `Pulumi.yaml` are checked against this list. */
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
    {
        key: "kubeconfig",
        type: "string",
        description:
            "Cluster access for the explicit Kubernetes provider every resource uses: a kubeconfig file path, or the kubeconfig itself (then set it with `--secret`: it holds credentials). A value with a line break, a YAML or JSON start or key, or a credential word (`token`, `password`, `client-key-data`) counts as the kubeconfig itself. Never quoted in messages. Default: the provider's own lookup (`KUBECONFIG`, then `~/.kube/config`).",
    },
    { key: "kubernetesContext", type: "string", description: "Context of the kubeconfig to use. Default: its current context." },
    {
        key: "clusters",
        type: "object",
        description:
            "A mesh that spans clusters: a list of `{name, context?, kubeconfig?, network?}` (and in `vault` mode `vaultKubernetesHost`, `vaultKubernetesCaCert?`, `vaultKubernetesApiAudience?`), 2 to 32 entries. Every cluster gets its own Kubernetes provider, Istio install (`global.multiCluster.clusterName` = `name`, `global.network` = `network`) and intermediate under the shared root(s); the rotation phase applies to all. `context` names a context of `kubeconfig` (or the default kubeconfig); `kubeconfig` is a file path, or the kubeconfig itself with the whole key set as a secret. Unset: one cluster, reached through `kubeconfig` and `kubernetesContext`. Not with `dataPlane: ambient`. See docs/multicluster.md.",
    },
    { key: "meshId", type: "string", description: "With `clusters`: Istio's `global.meshID`, shared by every cluster. Default: the trust domain (Istio's own default)." },
    {
        key: "istioVersion",
        type: "string",
        default: "1.30.3",
        description: "Version of the Istio `base` and `istiod` Helm charts (1.24 or later), and of `cni` and `ztunnel` in ambient mode.",
    },
    {
        key: "dataPlane",
        type: "string",
        default: "sidecar",
        description: `Istio data plane: ${DATA_PLANES.join(" \\| ")}. \`ambient\` also installs the \`cni\` and \`ztunnel\` charts and istiod with the ambient profile; each \`caMode\` works there, the \`cacerts\` deliveries without root rotation (docs/ambient.md). Not with \`clusters\`.`,
    },
    {
        key: "workloadCertTtl",
        type: "string",
        default: "24h",
        description: "Workload certificate lifetime: proxy `SECRET_TTL` and istiod `DEFAULT_WORKLOAD_CERT_TTL`. Go duration.",
    },
    {
        key: "maxWorkloadCertTtl",
        type: "string",
        default: "48h",
        description: "Longest workload certificate istiod signs (`MAX_WORKLOAD_CERT_TTL`). Must be >= `workloadCertTtl`. Go duration.",
    },
    {
        key: "gracePeriodRatio",
        type: "number",
        default: "0.5",
        description: "Fraction of a workload certificate's life left when the proxy renews it (`SECRET_GRACE_PERIOD_RATIO`), strictly between 0 and 1.",
    },
    { key: "rootKeyAlgorithm", type: "string", default: "ECDSA-P384", description: `Root CA key: ${KEY_ALGORITHMS.join(" \\| ")}.` },
    { key: "rootValidity", type: "string", default: "87600h", description: "Root CA lifetime (10 years by default). Go duration, whole hours." },
    { key: "rootCommonName", type: "string", default: "istio-ca root", description: "Subject CN of generated roots; the root's name is appended." },
    { key: "intermediateKeyAlgorithm", type: "string", default: "ECDSA-P256", description: `Key of the intermediate CA that istiod signs with: ${KEY_ALGORITHMS.join(" \\| ")}.` },
    { key: "intermediateValidity", type: "string", default: "8760h", description: "Intermediate (istiod signing) CA lifetime. Go duration, whole hours." },
    { key: "intermediateRenewBefore", type: "string", default: "720h", description: "How long before expiry the intermediate is re-issued. Must be < `intermediateValidity`." },
    { key: "organization", type: "string", default: "istio-ca", description: "Subject O of generated CA certificates." },
    {
        key: "existingRootCert",
        type: "string",
        description:
            "PEM of an existing root CA to use instead of generating one (`plugin`, `cert-manager` and `kubernetes` modes). Set together with `existingRootKey`. At most 64 KiB.",
    },
    { key: "existingRootKey", type: "string", secret: true, description: "PEM private key of `existingRootCert`. Must be a secret: `pulumi config set --secret`. At most 64 KiB." },
    {
        key: "certManagerDelivery",
        type: "string",
        default: "cacerts",
        description: `\`cert-manager\` mode: how CA material reaches the mesh: ${CERT_MANAGER_DELIVERIES.join(" \\| ")}. \`cacerts\`: istiod signs with a cert-manager-issued intermediate; \`istio-csr\`: istio-csr signs every workload certificate through cert-manager.`,
    },
    {
        key: "certManagerRoot",
        type: "string",
        default: "generated",
        description: `\`cert-manager\` mode without an existing root: ${CERT_MANAGER_ROOTS.join(" \\| ")}. \`generated\`: root made with @pulumi/tls (known to the program, in its state as a secret); \`in-cluster\`: a self-signed ClusterIssuer makes the root and its key never leaves the cluster (cacerts delivery only; such a root cannot be rotated).`,
    },
    {
        key: "certManagerVersion",
        type: "string",
        default: DEFAULT_CERT_MANAGER_VERSION,
        description: "`jetstack/cert-manager` chart version (`cert-manager` and `kubernetes` modes).",
    },
    {
        key: "certManagerServiceMonitor",
        type: "boolean",
        default: "false",
        description: "Create Prometheus Operator ServiceMonitors for cert-manager (and trust-manager). Needs the ServiceMonitor CRD.",
    },
    {
        key: "certManagerKeyRotationPolicy",
        type: "string",
        default: "Always",
        description: `Private key \`rotationPolicy\` of cert-manager-issued intermediates: ${KEY_ROTATION_POLICIES.join(" \\| ")}.`,
    },
    {
        key: "certManagerApproval",
        type: "string",
        default: "policy",
        description: `Who approves the mesh's CertificateRequests: ${CERT_MANAGER_APPROVALS.join(" \\| ")}. \`policy\`: cert-manager's default approver is off and approver-policy approves exactly the requests this program makes (each CertificateRequestPolicy bound to its one requester and namespace); any other request to any issuer of this cert-manager needs a policy of its own. \`auto\`: cert-manager approves every request, so anyone who can create a Certificate can get one, a CA under the mesh root included.`,
    },
    {
        key: "approverPolicyVersion",
        type: "string",
        default: DEFAULT_APPROVER_POLICY_VERSION,
        description: "`jetstack/cert-manager-approver-policy` chart version (`certManagerApproval: policy`).",
    },
    { key: "istioCsrVersion", type: "string", default: DEFAULT_ISTIO_CSR_VERSION, description: "`jetstack/cert-manager-istio-csr` chart version (`istio-csr` delivery)." },
    { key: "trustManagerVersion", type: "string", default: DEFAULT_TRUST_MANAGER_VERSION, description: "`jetstack/trust-manager` chart version (`istio-csr` delivery)." },
    {
        key: "meshPolicyEnabled",
        type: "boolean",
        default: "true",
        description: "Create the mesh mTLS policy: mesh-wide PeerAuthentication, PERMISSIVE fallbacks, CA-pinned DestinationRules.",
    },
    { key: "mtlsMode", type: "string", default: "STRICT", description: `Mesh-wide PeerAuthentication mode in the Istio root namespace: ${MTLS_MODES.join(" \\| ")}.` },
    {
        key: "permissiveFallbacks",
        type: "object",
        default: "[]",
        description:
            "List of scoped PERMISSIVE exceptions: `{namespace, selector?: {label: value}, reason}`. The reason is kept in the `istio-ca/reason` annotation. At most 1000 entries.",
    },
    {
        key: "pinnedHosts",
        type: "object",
        default: "[]",
        description:
            'List of destinations whose server certificates must chain to this program\'s trust bundle: `{host, clientNamespace, serviceAccounts: ["ns/sa"]}`. At most 1000 entries, and 1000 service accounts in each. See docs/mesh-policy.md.',
    },
    {
        key: "alertsEnabled",
        type: "boolean",
        default: "false",
        description:
            "Create the `PrometheusRule` with the certificate health alerts. Needs the Prometheus Operator's `PrometheusRule` CRD (`monitoring.coreos.com/v1`, e.g. from kube-prometheus-stack): with it absent, the update stops at preview on the read of that CRD, before anything changes.",
    },
    {
        key: "alertRenewalMargin",
        type: "string",
        default: "24h",
        description:
            'Slack after a renewal was due before "renewal overdue" warns. Less than half of `intermediateRenewBefore`; unset, at most a quarter of it. At least 1m. Go duration.',
    },
    {
        key: "alertRootExpiryWindow",
        type: "string",
        default: "2160h",
        description: "Page when the root CA expires within this. Less than `intermediateValidity`; unset, at most half of it. At least 1m. Go duration.",
    },
    { key: "alertRuleLabels", type: "object", description: 'Labels on the `PrometheusRule`, e.g. `{"release": "kube-prometheus-stack"}` to match a Prometheus `ruleSelector`.' },
    {
        key: "roots",
        type: "array",
        default: `[${DEFAULT_ROOT_NAME}]`,
        description:
            "Root names, oldest first: one at `steady`, `[old, new]` in the other phases (`plugin`, `cert-manager`, `kubernetes`, `vault` modes). Names their resources (and ClusterIssuers); `existingRootCert` supplies the first.",
    },
    { key: "rotationPhase", type: "string", default: "steady", description: `Root rotation phase: ${ROTATION_PHASES.join(" \\| ")}. Move one phase per \`pulumi up\`.` },
    {
        key: "rotationPropagationDelay",
        type: "string",
        default: "1h",
        description:
            "How long a `cacerts` change takes to reach every proxy. The guard waits this long after `trust-both` before `sign-new` (in ambient mode, plus half of `maxWorkloadCertTtl` and 15m, until every ztunnel identity has renewed), and adds it to `maxWorkloadCertTtl` before `retire-old`. Go duration.",
    },
    {
        key: "rotationOverride",
        type: "string",
        description: `Waive one rotation check for one update: ${ROTATION_OVERRIDES.join(" \\| ")}. Needs \`rotationOverrideReason\`; refused when the update does not need it.`,
    },
    { key: "rotationOverrideReason", type: "string", description: "Why the override is used (at least 10 visible characters); recorded in the `rotationState` output." },
    { key: "rotationStateStack", type: "string", description: "Stack whose outputs hold the previous rotation state. Default: this stack (`<organization>/<project>/<stack>`)." },
    {
        key: "vaultAddress",
        type: "string",
        description:
            "`vault` mode (required): Vault's address as Pulumi and cert-manager reach it, exactly `https://host[:port]` (an optional trailing `/`; no credentials, path, query or fragment).",
    },
    { key: "vaultNamespace", type: "string", description: "`vault` mode: Vault Enterprise namespace, e.g. `platform/mesh`. Default: none (root namespace)." },
    {
        key: "vaultToken",
        type: "string",
        secret: true,
        description: "`vault` mode: token that configures PKI and auth; else `VAULT_TOKEN` from the environment. Must be a secret. Not needed by the offline plan.",
    },
    {
        key: "vaultCaBundle",
        type: "string",
        description: "`vault` mode: PEM CA bundle of Vault's TLS certificate, for cert-manager's issuer (at most 512 KiB). Default: cert-manager's system roots.",
    },
    { key: "vaultRootMountPath", type: "string", default: "pki-istio-root", description: "`vault` mode: path of the root PKI mount." },
    { key: "vaultIntermediateMountPath", type: "string", default: "pki-istio", description: "`vault` mode: path of the intermediate PKI mount that signs for the mesh." },
    { key: "vaultIntermediateKeyAlgorithm", type: "string", default: "ECDSA-P256", description: `\`vault\` mode: key of the Vault intermediate: ${KEY_ALGORITHMS.join(" \\| ")}.` },
    {
        key: "vaultIntermediateValidity",
        type: "string",
        default: "43800h",
        description: "`vault` mode: Vault intermediate lifetime. Must be <= `rootValidity` and longer than what it signs. Go duration, whole hours.",
    },
    { key: "vaultKubernetesAuthPath", type: "string", default: "kubernetes-istio", description: "`vault` mode: path of the `kubernetes` auth mount the signer logs in through." },
    {
        key: "vaultKubernetesHost",
        type: "string",
        description: "`vault` mode (required): URL of this cluster's API server as Vault reaches it, for TokenReviews: exactly `https://host[:port]`, like `vaultAddress`.",
    },
    { key: "vaultKubernetesCaCert", type: "string", description: "`vault` mode: PEM CA of the API server's certificate (at most 512 KiB). Default: Vault's system roots." },
    {
        key: "vaultTokenReviewer",
        type: "string",
        default: "client",
        description:
            "`vault` mode: who reviews login tokens: `client` (the login token itself; the signer's ServiceAccount gets `system:auth-delegator`) \\| `vault` (Vault's own in-cluster ServiceAccount).",
    },
    {
        key: "vaultKubernetesApiAudience",
        type: "string",
        description:
            "`vault` mode with `vaultTokenReviewer: client` (required there): an audience the API server accepts (`--api-audiences`, e.g. `https://kubernetes.default.svc.cluster.local`), added to the signer's tokens so they can review themselves.",
    },
    { key: "vaultTokenTtl", type: "string", default: "10m", description: "`vault` mode: lifetime of the Vault token a signer login gets (1m to 1h). Go duration." },
    {
        key: "vaultProviderTokenTtl",
        type: "string",
        default: "2h",
        description:
            "`vault` mode: lifetime of the child token the Vault provider makes for one `pulumi up` (its `maxLeaseTtlSeconds`; the provider's own default of 20m is shorter than a rotation update). The parent token's TTL must be at least this. 20m to 24h. Go duration.",
    },
    {
        key: "vaultIntermediateGeneration",
        type: "integer",
        default: "1",
        description:
            "`vault` mode: generation of the Vault intermediate. Raise it by one to renew the intermediate: the new generation is a new issuer, made the default; the old issuer stays in Vault (it is not deleted) so that what it signed keeps its chain and CRL until it expires.",
    },
];

/**
 * Keys only the istio-ca program reads, not the `IstioCa` component: cluster and Vault access belong
 * to the providers a reuser passes in the resource options, and the rotation guard is the program's.
 */
export const PROGRAM_ONLY_KEYS: Readonly<Record<string, string>> = {
    kubeconfig: "cluster access is the Kubernetes provider's: pass one in the resource options (`providers`)",
    kubernetesContext: "cluster access is the Kubernetes provider's: pass one in the resource options (`providers`)",
    clusters: "a fleet needs a provider per cluster; IstioCa deploys one cluster's mesh (the program, or deployFleet, deploys a fleet)",
    meshId: "a fleet needs a provider per cluster; IstioCa deploys one cluster's mesh (the program, or deployFleet, deploys a fleet)",
    vaultToken: "Vault access is the Vault provider's: pass one in the resource options (`providers`)",
    vaultProviderTokenTtl: "the Vault provider's child token is set on that provider (`maxLeaseTtlSeconds`)",
    rotationPropagationDelay: "the rotation guard is the program's; the component deploys the phase it is given",
    rotationOverride: "the rotation guard is the program's; the component deploys the phase it is given",
    rotationOverrideReason: "the rotation guard is the program's; the component deploys the phase it is given",
    rotationStateStack: "the rotation guard is the program's; the component deploys the phase it is given",
};
