/**
 * What each CA mode needs and allows: one record per mode. Config validation, the rotation guard,
 * the alerts and the strategies (which add how the mode deploys) read a mode's facts here, so that no
 * other file compares `caMode` with a literal.
 */
import { GENERATED_ROOT_MAX_PATH_LENGTH } from "./pki";
import { VAULT_ROOT_MAX_PATH_LENGTH } from "./vault";
import { vaultRootNaming } from "./vaultRotation";

export const CA_MODES = ["istiod", "plugin", "kubernetes", "cert-manager", "vault"] as const;
export type CaMode = (typeof CA_MODES)[number];

/** How the cert-manager and Vault modes hand CA material to the mesh. */
export const CERT_MANAGER_DELIVERIES = ["cacerts", "istio-csr"] as const;
export type CertManagerDelivery = (typeof CERT_MANAGER_DELIVERIES)[number];

/** Where a cert-manager mode's root comes from when no existing root is configured. */
export const CERT_MANAGER_ROOTS = ["generated", "in-cluster"] as const;
export type CertManagerRootSource = (typeof CERT_MANAGER_ROOTS)[number];

/** Who makes a mode's roots. */
export type RootMaker =
    /** istiod makes and keeps its own self-signed root; the program never sees it. */
    | "istiod"
    /** The program (`@pulumi/tls`), or cert-manager for an in-cluster root. */
    | "program"
    /** Vault's PKI engine; the key never leaves Vault. */
    | "vault";

/** Who signs workload certificates. */
export type WorkloadSigner =
    /** istiod, from `cacerts` or its own root. */
    | "istiod"
    /** istio-csr, through a cert-manager issuer; istiod's CA server is off. */
    | "istio-csr"
    /** cert-manager's Kubernetes CSR signer; istiod is only the registration authority. */
    | "kubernetes-csr";

export interface CaModeRecord {
    readonly mode: CaMode;
    /** One line for tables and messages. */
    readonly summary: string;
    readonly rootMaker: RootMaker;
    /**
     * The program rotates the mode's roots through steady, trust-both, sign-new and retire-old
     * (`roots`, `rotationPhase`), and sets the multi-root settings from steady on so that a rotation
     * needs no restart. Not with a root the program cannot see (an in-cluster root).
     */
    readonly rotatesRoots: boolean;
    /** May sign with an existing root from config (`existingRootCert`, `existingRootKey`). */
    readonly acceptsExistingRoot: boolean;
    /** Installs cert-manager and reads its `certManager*` settings. */
    readonly installsCertManager: boolean;
    /** The deliveries the mode offers (`certManagerDelivery`); empty: the key is not read. */
    readonly deliveries: readonly CertManagerDelivery[];
    /** The root sources `certManagerRoot` may name; empty: the key is not read. */
    readonly certManagerRoots: readonly CertManagerRootSource[];
    /** Why `certManagerRoot` is refused or limited, for the error text. */
    readonly certManagerRootNote?: string;
    /** Reads the `vault*` settings. */
    readonly usesVault: boolean;
    /** Path length constraint of a root the program (or Vault) makes; undefined where it makes none. */
    readonly rootMaxPathLength?: number;
    /** Who signs workload certificates, for a delivery. */
    workloadSigner(delivery: CertManagerDelivery): WorkloadSigner;
    /** Whether the intermediate that signs workloads is made from the `intermediate*` settings, for a delivery. */
    usesIntermediateSettings(delivery: CertManagerDelivery): boolean;
    /** The subject CN of a root this program makes, from `rootCommonName` and the root's name. */
    rootCommonName(base: string, root: string): string;
    /**
     * Whether the old chain keeps signing for one more propagation delay after sign-new: istiod signs
     * from `cacerts` until cert-manager has re-issued it from the re-signed Vault intermediate and
     * istiod has reloaded it.
     */
    signsFromOldChainAfterSignNew(delivery: CertManagerDelivery): boolean;
    /** What ztunnel (`dataPlane: ambient`) gets from the mode, for a delivery (docs/ambient.md). */
    ambient(delivery: CertManagerDelivery): AmbientFacts;
}

/**
 * What ztunnel gets from a CA mode. ztunnel's only peer roots are the last element of each CSR
 * response (istio/ztunnel 1.30.3 src/identity/caclient.rs:179-190, src/tls/certificate.rs:240-273);
 * they change only when the identity's certificate renews.
 */
export interface AmbientFacts {
    /** What that last element holds in this mode, for messages and docs. */
    peerRoots: string;
    /**
     * istiod is the Kubernetes CSR API's registration authority: it signs ztunnel's requests (which
     * carry no signer) through `K8S_SIGNER` and appends the root of its RA bundle, read once at start
     * from `/etc/external-ca-cert/root-cert.pem`, else the cluster's service-account `ca.crt`
     * (pilot/pkg/bootstrap/istio_ca.go:617-634, security/pkg/pki/ra/k8s_ra.go:48-62,
     * security/pkg/server/ca/server.go:112-155). So the program mounts the trusted roots there and
     * restarts istiod when they change.
     */
    raRootFile: boolean;
    /** Why this mode's roots cannot rotate under ztunnel, and the fix; undefined where every trusted root reaches ztunnel. */
    rotationRefusal?: { reason: string; fix: string };
}

/** The cacerts deliveries of cert-manager and Vault: istiod's CA root is `ca.crt`, the signing root alone. */
const CACERTS_AMBIENT: AmbientFacts = {
    peerRoots: "istiod's CA root, the ca.crt of the kubernetes.io/tls cacerts Secret: the signing root alone",
    raRootFile: false,
    rotationRefusal: {
        reason: "istiod appends only its CA root, the signing root in cacerts' ca.crt, to the certificates it issues, and ztunnel takes its peer roots from there alone: the other trusted root travels in meshConfig.caCertificates, which ztunnel never reads, so at sign-new ztunnels would hold certificates and roots of different roots and refuse each other (istiod also refuses a ca.crt that changes from one root to another without a restart: pilot/pkg/bootstrap/istio_ca.go, handleEvent)",
        fix: "rotate with certManagerDelivery istio-csr (switch at steady: the root stays, and istio-csr hands ztunnel every trusted root), or with caMode plugin, whose cacerts root-cert.pem holds every trusted root",
    },
};

/** The istio-csr deliveries: ztunnel asks istio-csr, which appends its whole root bundle. */
const ISTIO_CSR_AMBIENT: AmbientFacts = {
    peerRoots:
        "istio-csr's root bundle (app.tls.rootCAFile, the program-owned trust-manager bundle): every trusted root (cert-manager/istio-csr v0.17.0 pkg/server/server.go:261-304)",
    raRootFile: false,
};

const appendRootName = (base: string, root: string): string => `${base} ${root}`;
const never = (): false => false;

/** The record of each CA mode. */
export const CA_MODE_RECORDS: { readonly [M in CaMode]: CaModeRecord & { readonly mode: M } } = {
    istiod: {
        mode: "istiod",
        summary: "istiod's own self-signed CA",
        rootMaker: "istiod",
        rotatesRoots: false,
        acceptsExistingRoot: false,
        installsCertManager: false,
        deliveries: [],
        certManagerRoots: [],
        usesVault: false,
        workloadSigner: () => "istiod",
        usesIntermediateSettings: never,
        rootCommonName: appendRootName,
        signsFromOldChainAfterSignNew: never,
        ambient: () => ({ peerRoots: "istiod's own root (istio-system/istio-ca-secret)", raRootFile: false }),
    },
    plugin: {
        mode: "plugin",
        summary: "roots and an intermediate from @pulumi/tls in istiod's cacerts",
        rootMaker: "program",
        rotatesRoots: true,
        acceptsExistingRoot: true,
        installsCertManager: false,
        deliveries: [],
        certManagerRoots: [],
        usesVault: false,
        rootMaxPathLength: GENERATED_ROOT_MAX_PATH_LENGTH,
        workloadSigner: () => "istiod",
        usesIntermediateSettings: () => true,
        rootCommonName: appendRootName,
        signsFromOldChainAfterSignNew: never,
        ambient: () => ({ peerRoots: "cacerts root-cert.pem: every trusted root of the phase", raRootFile: false }),
    },
    kubernetes: {
        mode: "kubernetes",
        summary: "Kubernetes CSR API with cert-manager's signer; istiod is the registration authority",
        rootMaker: "program",
        rotatesRoots: true,
        acceptsExistingRoot: true,
        installsCertManager: true,
        deliveries: [],
        certManagerRoots: ["generated"],
        certManagerRootNote: "caMode kubernetes gives istiod the root as its trust anchor (meshConfig.caCertificates), so the program must know the root's PEM",
        usesVault: false,
        rootMaxPathLength: GENERATED_ROOT_MAX_PATH_LENGTH,
        workloadSigner: () => "kubernetes-csr",
        usesIntermediateSettings: () => true,
        rootCommonName: appendRootName,
        signsFromOldChainAfterSignNew: never,
        ambient: () => ({ peerRoots: "istiod's RA root file, which the program fills with every trusted root of the phase", raRootFile: true }),
    },
    "cert-manager": {
        mode: "cert-manager",
        summary: "cert-manager issuers, delivered as cacerts or through istio-csr",
        rootMaker: "program",
        rotatesRoots: true,
        acceptsExistingRoot: true,
        installsCertManager: true,
        deliveries: CERT_MANAGER_DELIVERIES,
        certManagerRoots: CERT_MANAGER_ROOTS,
        usesVault: false,
        rootMaxPathLength: GENERATED_ROOT_MAX_PATH_LENGTH,
        workloadSigner: (delivery) => (delivery === "istio-csr" ? "istio-csr" : "istiod"),
        usesIntermediateSettings: () => true,
        rootCommonName: appendRootName,
        signsFromOldChainAfterSignNew: never,
        ambient: (delivery) => (delivery === "istio-csr" ? ISTIO_CSR_AMBIENT : CACERTS_AMBIENT),
    },
    vault: {
        mode: "vault",
        summary: "Vault PKI behind a cert-manager Vault issuer, delivered as cacerts or through istio-csr",
        rootMaker: "vault",
        rotatesRoots: true,
        acceptsExistingRoot: false,
        installsCertManager: true,
        deliveries: CERT_MANAGER_DELIVERIES,
        certManagerRoots: [],
        certManagerRootNote: `caMode "vault" generates the root inside Vault`,
        usesVault: true,
        rootMaxPathLength: VAULT_ROOT_MAX_PATH_LENGTH,
        workloadSigner: (delivery) => (delivery === "istio-csr" ? "istio-csr" : "istiod"),
        // With istio-csr, Vault's own intermediate (vaultIntermediate*) signs workload certificates.
        usesIntermediateSettings: (delivery) => delivery !== "istio-csr",
        rootCommonName: (base, root) => vaultRootNaming(root, `${base} vault`).commonName,
        signsFromOldChainAfterSignNew: (delivery) => delivery !== "istio-csr",
        ambient: (delivery) => (delivery === "istio-csr" ? ISTIO_CSR_AMBIENT : CACERTS_AMBIENT),
    },
};

export function caModeRecord(mode: CaMode): CaModeRecord {
    return CA_MODE_RECORDS[mode];
}

/** The modes with a fact, for messages ("only used by caMode ..."). */
export function modesWhere(fact: (record: CaModeRecord) => boolean): CaMode[] {
    return CA_MODES.filter((mode) => fact(CA_MODE_RECORDS[mode]));
}

/** `"a", "b" or "c"`. */
export function quotedModes(modes: readonly CaMode[]): string {
    const quoted = modes.map((mode) => `"${mode}"`);
    return quoted.length <= 1 ? quoted.join("") : `${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}`;
}
