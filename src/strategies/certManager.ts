import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { CaClusterIssuer } from "../components/caClusterIssuer";
import { CertManager } from "../components/certManager";
import { IntermediateCaCertificate } from "../components/intermediateCaCertificate";
import { SelfSignedRootIssuer } from "../components/selfSignedRootIssuer";
import { CaCertSettings, CertManagerSettings, StackModel, existingRootAt } from "../config";
import { toHoursCeil } from "../duration";
import { GENERATED_ROOT_MAX_PATH_LENGTH, composeTrustBundle, sha256Fingerprint, tlsKeyArgs } from "../pki";
import { rootCaSettings } from "../rootSettings";
import { DEFAULT_ROOT_NAME, multiRootValues, rotationPlan } from "../rotation";
import { ROOT_ISSUER_NAME, cacertsMeshCaCertificates, rootIssuerName } from "../certManagerRotation";
import { deliverThroughIstioCsr, istioCsrRequestPolicies } from "./istioCsrDelivery";
import { approveMeshIssuance, certManagerController, intermediatePolicy } from "./issuance";
import { IssuancePolicy, caCertificatePolicy } from "../issuancePolicy";
import { DeployCa, CaStrategyResult, KnownRoot, ResourceNamer, TrustOutputs } from "./types";

export type { KnownRoot } from "./types";

/** Name of the CA ClusterIssuer on the mesh root `primary` (the root of stacks made before rotation, and of in-cluster roots). */
/** Namespaced CA Issuer (in istio-system) that istio-csr signs workload certificates with. */
export const ISTIO_CSR_ISSUER_NAME = "istio-ca";
/** The Secret istiod reads its signing CA from. */
export const CACERTS_SECRET_NAME = "cacerts";
/** The Secret of the intermediate behind istio-csr's issuer. */
export const ISTIO_CSR_INTERMEDIATE_SECRET_NAME = "istio-ca-intermediate";

/** The mesh root generated with @pulumi/tls, as in the plug-in mode; key and certificate are `protect`ed. */
function generateRoot(resourceName: string, rootName: string, settings: CaCertSettings, opts: pulumi.CustomResourceOptions): KnownRoot {
    const key = new tls.PrivateKey(`${resourceName}-key`, tlsKeyArgs(settings.keyAlgorithm), { ...opts, protect: true });
    const cert = new tls.SelfSignedCert(
        resourceName,
        {
            privateKeyPem: key.privateKeyPem,
            subject: { commonName: `${settings.commonName} ${rootName}`, organization: settings.organization },
            validityPeriodHours: toHoursCeil(settings.validityMs),
            isCaCertificate: true,
            maxPathLength: GENERATED_ROOT_MAX_PATH_LENGTH,
            setSubjectKeyId: true,
            allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
        },
        { ...opts, protect: true },
    );
    return { certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPem) };
}

/** The mesh's roots as cert-manager issuers, for the rotation phase in the model. */
export interface MeshRootIssuers {
    /** ClusterIssuer of the root that signs (the intermediate's issuerRef). */
    signingIssuerName: string;
    /** Every root issuer; the intermediate waits for them. */
    issuers: pulumi.Resource[];
    /** PEMs of the trusted roots, in bundle order; undefined for an in-cluster root (unknown to the program). */
    trustedPems?: pulumi.Output<string>[];
    trust: TrustOutputs;
}

/**
 * One CA ClusterIssuer per configured root (each root generated or existing, kept across phases
 * under its own name), or a single in-cluster root. The rotation phase picks which issuer signs
 * the intermediate and which roots are trusted (`rootIssuerName`, `rotationPlan`).
 */
/** Whether the mesh's root is made by cert-manager inside the cluster. */
export function hasInClusterRoot(model: StackModel): boolean {
    return !model.existingRoot && model.certManager?.root === "in-cluster";
}

/** The in-cluster root's settings (CN suffixed by the root's name). */
function inClusterRootSettings(model: StackModel): CaCertSettings {
    const root = rootCaSettings(model, DEFAULT_ROOT_NAME, model.rootCa);
    return { ...root, commonName: `${root.commonName} ${DEFAULT_ROOT_NAME}` };
}

/** The ClusterIssuer of the root that signs in this phase: the intermediates' issuerRef. */
export function signingRootIssuer(model: StackModel): { name: string; kind: "ClusterIssuer" } {
    return { name: hasInClusterRoot(model) ? ROOT_ISSUER_NAME : rootIssuerName(rotationPlan(model.rotation).signingRoot), kind: "ClusterIssuer" };
}

/** The policy of the in-cluster root's own Certificate (self-signed), when the root is made in the cluster. */
export function inClusterRootPolicies(model: StackModel): IssuancePolicy[] {
    if (!hasInClusterRoot(model)) return [];
    const root = inClusterRootSettings(model);
    return [
        caCertificatePolicy({
            name: "istio-ca-root",
            issuer: { name: `${ROOT_ISSUER_NAME}-selfsigned`, kind: "ClusterIssuer" },
            namespace: model.certManager!.namespace,
            commonName: root.commonName,
            organization: root.organization,
            durationMs: root.validityMs,
            keyAlgorithm: root.keyAlgorithm,
            requester: certManagerController(model),
        }),
    ];
}

export function meshRootIssuers(
    model: StackModel,
    name: ResourceNamer,
    /** A fleet's roots, made once for every cluster. */
    shared: Record<string, KnownRoot> | undefined,
    certManager: CertManager,
    settings: CertManagerSettings,
    opts: pulumi.ComponentResourceOptions,
    customOpts: pulumi.CustomResourceOptions,
    approval: pulumi.Resource[] = [],
): MeshRootIssuers {
    if (hasInClusterRoot(model)) {
        const issuer = new SelfSignedRootIssuer(
            name(ROOT_ISSUER_NAME),
            { certManager, issuerName: ROOT_ISSUER_NAME, secretName: ROOT_ISSUER_NAME, root: inClusterRootSettings(model), certificateDependsOn: approval },
            opts,
        );
        return { signingIssuerName: issuer.issuerName, issuers: [issuer.issuer], trust: { trustedRootFingerprints: [], signingRootFingerprint: null, trustBundle: null } };
    }
    const plan = rotationPlan(model.rotation);
    const certs: Record<string, pulumi.Output<string>> = {};
    const issuers: pulumi.Resource[] = [];
    plan.roots.forEach((rootName, index) => {
        const existing = existingRootAt(model, index);
        // A fleet's roots are made once for every cluster; each cluster's issuer holds them.
        const root: KnownRoot =
            shared?.[rootName] ??
            (existing
                ? { certPem: pulumi.output(existing.certPem), keyPem: pulumi.secret(existing.keyPem.reveal()) }
                : generateRoot(name(`cert-manager-root-${rootName}`), rootName, rootCaSettings(model, rootName, model.rootCa), customOpts));
        const issuerName = rootIssuerName(rootName);
        const issuer = new CaClusterIssuer(name(issuerName), { certManager, issuerName, certPem: root.certPem, keyPem: root.keyPem }, opts);
        certs[rootName] = root.certPem;
        issuers.push(issuer.issuer);
    });
    const trustedPems = plan.trustedRoots.map((name) => certs[name]);
    return {
        signingIssuerName: rootIssuerName(plan.signingRoot),
        issuers,
        trustedPems,
        trust: trustOf(trustedPems, certs[plan.signingRoot]),
    };
}

/** Trust outputs: fingerprints of the trusted roots in bundle order, the signing root's, and the bundle. */
export function trustOf(trustedPems: pulumi.Output<string>[], signingPem: pulumi.Output<string>): TrustOutputs {
    const all = pulumi.all(trustedPems);
    return {
        trustedRootFingerprints: all.apply((pems) => pems.map(sha256Fingerprint)),
        signingRootFingerprint: signingPem.apply(sha256Fingerprint),
        trustBundle: all.apply(composeTrustBundle),
    };
}

/**
 * cert-manager CA: cert-manager installed with a CA ClusterIssuer per mesh root, then either
 * - `cacerts`: cert-manager issues and renews istiod's intermediate into `istio-system/cacerts`, or
 * - `istio-csr`: istio-csr replaces istiod's CA server and signs each workload certificate
 *   through a cert-manager intermediate Issuer; trust-manager distributes the program-owned root bundle.
 * The rotation phase picks the intermediate's issuer (the signing root's) and the trusted roots
 * (see `src/certManagerRotation.ts`).
 */
export const certManagerCa: DeployCa = ({ model, name, istioNamespace, opts, customOpts, fleet }): CaStrategyResult => {
    const settings = model.certManager!;
    const certManager = new CertManager(
        name("cert-manager"),
        { version: settings.version, namespace: settings.namespace, serviceMonitor: settings.serviceMonitor, disableAutoApproval: settings.approval === "policy" },
        opts,
    );
    // Exactly the requests this mode makes: the in-cluster root, then the intermediate, then istio-csr's.
    const signingIssuer = signingRootIssuer(model);
    const istioNamespaceName = model.istio.namespace;
    const policies: IssuancePolicy[] = [
        ...inClusterRootPolicies(model),
        settings.delivery === "cacerts"
            ? intermediatePolicy(model, "istio-ca-cacerts", { issuer: signingIssuer, namespace: istioNamespaceName, intermediate: model.intermediateCa })
            : intermediatePolicy(model, "istio-ca-intermediate", { issuer: signingIssuer, namespace: istioNamespaceName, intermediate: model.intermediateCa }),
        ...(settings.delivery === "istio-csr" ? istioCsrRequestPolicies(model, { name: ISTIO_CSR_ISSUER_NAME, kind: "Issuer" }) : []),
    ];
    const issuance = approveMeshIssuance(model, name, certManager, policies, opts, [istioNamespace]);
    const roots = meshRootIssuers(model, name, fleet?.shared.roots, certManager, settings, opts, customOpts, issuance.ready);
    const trust = roots.trust;
    // Set from steady on, so that a later rotation needs no restart to enable them.
    const multiRoot = multiRootValues();

    // An intermediate in istio-system issued by the signing root's ClusterIssuer. Moving issuerRef
    // to another root's issuer (at sign-new) makes cert-manager re-issue it at once.
    const intermediateFromSigningRoot = (base: string, secretName: string, issuerName?: string) =>
        new IntermediateCaCertificate(
            name(base),
            {
                namespace: istioNamespace.metadata.name,
                secretName,
                issuerRef: { name: roots.signingIssuerName, kind: "ClusterIssuer" },
                intermediate: model.intermediateCa,
                rotationPolicy: settings.keyRotationPolicy,
                issuerName,
                dependsOn: [certManager.release, ...roots.issuers, ...issuance.ready],
            },
            opts,
        );

    if (settings.delivery === "cacerts") {
        const cacerts = intermediateFromSigningRoot("istiod-cacerts", CACERTS_SECRET_NAME);
        // cacerts' ca.crt holds the signing root only; every trusted root also goes to meshConfig.caCertificates.
        const meshConfig = roots.trustedPems ? { caCertificates: cacertsMeshCaCertificates(roots.trustedPems) } : undefined;
        return { ca: { ...multiRoot, ...(meshConfig ? { meshConfig } : {}) }, istiodDependsOn: [cacerts.certificate], trust };
    }

    // istio-csr: the program knows the roots (config refuses an in-cluster root here).
    const intermediate = intermediateFromSigningRoot("istio-csr-intermediate", ISTIO_CSR_INTERMEDIATE_SECRET_NAME, ISTIO_CSR_ISSUER_NAME);
    const delivery = deliverThroughIstioCsr({
        model,
        name,
        certManager,
        settings,
        issuer: { name: ISTIO_CSR_ISSUER_NAME, kind: "Issuer" },
        issuerResource: intermediate.issuer!,
        trustBundle: trust.trustBundle!,
        ca: multiRoot,
        issuance,
        opts,
    });
    return { ...delivery, trust };
};
