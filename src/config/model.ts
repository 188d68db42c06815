/** The validated stack model the config becomes, and small questions about it. */
import { KeyRotationPolicy } from "../certManagerResources";
import { AlertSettings } from "../certificateAlerts";
import { MeshPolicySettings } from "../meshPolicy";
import { KeyAlgorithm } from "../pki";
import { RotationOverride, RotationPhase } from "../rotation";
import { SecretString } from "../secret";
import { caModeRecord } from "../caModes";
import { CONFIG_KEYS, CaMode, CertManagerApproval, CertManagerDelivery, CertManagerRootSource, DataPlane } from "./keys";

/** What a generated root was made with; none of it can change on an existing root. */
export interface RootParameters {
    /** Subject CN before the root's name is appended. */
    commonName: string;
    organization: string;
    keyAlgorithm: string;
    validityHours: number;
    /** null: no path length constraint. */
    maxPathLength: number | null;
}

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

/** One cluster of a fleet. */
export interface ClusterModel {
    /** Istio's `global.multiCluster.clusterName`; suffixes the cluster's resources and its intermediate's CN. */
    name: string;
    /** How the program reaches it. */
    kubernetes: KubernetesAccess;
    /** Istio's `global.network`; undefined: one flat network. */
    network?: string;
    /** Vault mode: the API server Vault logs the cluster's signer in against. */
    vaultKubernetesAuth?: { host: string; caCertPem?: string; apiAudience: string };
}

/** A mesh that spans clusters: one root, one intermediate per cluster. */
export interface FleetModel {
    /** Istio's `global.meshID`, shared by every cluster. */
    meshId: string;
    clusters: ClusterModel[];
}

/** The validated stack model. */
export interface StackModel {
    caMode: CaMode;
    kubernetes: KubernetesAccess;
    trustDomain: string;
    istio: { version: string; namespace: string };
    /** `sidecar`, or `ambient`: the `cni` and `ztunnel` charts too, and istiod with the ambient profile. */
    dataPlane: DataPlane;
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
    /** Set when the mesh spans clusters (`clusters`); undefined: one cluster, reached through `kubernetes`. */
    fleet?: FleetModel;
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

export const VAULT_KEYS = CONFIG_KEYS.map((spec) => spec.key).filter((key) => key.startsWith("vault"));
export const VAULT_PATH_RE = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;
/** Mount paths Vault reserves for itself. */
export const VAULT_RESERVED_MOUNTS = ["sys", "auth", "identity", "cubbyhole"];
export const MIN_VAULT_TOKEN_TTL_MS = 60 * 1000;
export const MAX_VAULT_INTERMEDIATE_GENERATION = 9999;
/** The provider's own default child token TTL (1200 s), the shortest accepted. */
export const MIN_VAULT_PROVIDER_TOKEN_TTL_MS = 20 * 60 * 1000;
export const MAX_VAULT_PROVIDER_TOKEN_TTL_MS = 24 * 3600 * 1000;
export const MAX_VAULT_TOKEN_TTL_MS = 3600 * 1000;

/** The existing root from config, if the root at this position of `roots` is it: an existing root is always the first. */
export function existingRootAt(model: Pick<StackModel, "existingRoot">, rootIndex: number): ExistingRoot | undefined {
    return rootIndex === 0 ? model.existingRoot : undefined;
}

/**
 * Whether istiod holds a signing CA in this model: false when istio-csr signs workloads (istiod's
 * CA server is off) and when istiod is only a registration authority for the Kubernetes CSR API.
 */
export function istiodHoldsCa(model: Pick<StackModel, "caMode" | "certManager">): boolean {
    return caModeRecord(model.caMode).workloadSigner(model.certManager?.delivery ?? "cacerts") === "istiod";
}
