import { CertManager } from "../components/certManager";
import { IntermediateCaCertificate } from "../components/intermediateCaCertificate";
import { IstiodRaRoots } from "../components/istiodRaRoots";
import { caModeRecord } from "../caModes";
import { clusterIssuerSignerName, kubernetesRaIstiodValues } from "../kubernetesSigner";
import { multiRootValues } from "../rotation";
import { meshRootIssuers, signingRootIssuer } from "./certManager";
import { approveMeshIssuance, intermediatePolicy } from "./issuance";
import { DeployCa, CaStrategyResult } from "./types";

/** The CA ClusterIssuer that signs workload CSRs; its Kubernetes signer is `clusterissuers.cert-manager.io/<name>`. */
export const MESH_SIGNER_ISSUER_NAME = "istio-mesh-signer";
/** Secret (in cert-manager's cluster resource namespace) of the intermediate behind that issuer. */
export const MESH_SIGNER_SECRET_NAME = "istio-mesh-signer-ca";

/**
 * Kubernetes CSR API: istiod is a registration authority. It authenticates workloads, creates a
 * CertificateSigningRequest for the signer `clusterissuers.cert-manager.io/istio-mesh-signer`, approves
 * it, and cert-manager (with its CSR signer feature gate on) signs it with a CA ClusterIssuer on an
 * intermediate issued from the signing root's ClusterIssuer. istiod holds no CA key. During a root
 * rotation the signer keeps its name; only the intermediate's issuer and the trust anchors change.
 */
export const kubernetesCsr: DeployCa = ({ model, name, istioNamespace, opts, customOpts, fleet }): CaStrategyResult => {
    const settings = model.certManager!;
    const certManager = new CertManager(
        name("cert-manager"),
        {
            version: settings.version,
            namespace: settings.namespace,
            serviceMonitor: settings.serviceMonitor,
            enableCsrSigner: true,
            disableAutoApproval: settings.approval === "policy",
        },
        opts,
    );
    // The one CertificateRequest this mode makes: the signer's intermediate. Workload CSRs are
    // Kubernetes CertificateSigningRequests, which istiod approves as the RA.
    const issuance = approveMeshIssuance(
        model,
        name,
        certManager,
        [intermediatePolicy(model, "istio-ca-mesh-signer", { issuer: signingRootIssuer(model), namespace: settings.namespace, intermediate: model.intermediateCa })],
        opts,
    );
    const roots = meshRootIssuers(model, name, fleet?.shared.roots, certManager, settings, opts, customOpts, issuance.ready);
    // Config refuses an in-cluster root for this mode: istiod needs the root PEMs as its trust anchors.
    if (!roots.trustedPems || !roots.trust.trustBundle) throw new Error("caMode kubernetes needs roots the program knows");

    // The root's key signs only this intermediate; the intermediate signs workloads.
    const signerCa = new IntermediateCaCertificate(
        name("mesh-signer"),
        {
            namespace: certManager.clusterResourceNamespace,
            secretName: MESH_SIGNER_SECRET_NAME,
            issuerRef: { name: roots.signingIssuerName, kind: "ClusterIssuer" },
            intermediate: model.intermediateCa,
            rotationPolicy: settings.keyRotationPolicy,
            issuerName: MESH_SIGNER_ISSUER_NAME,
            issuerKind: "ClusterIssuer",
            dependsOn: [certManager.release, ...roots.issuers, ...issuance.ready],
        },
        opts,
    );

    const signerName = clusterIssuerSignerName(MESH_SIGNER_ISSUER_NAME);
    // One anchor entry holding every trusted root: istiod keeps one PEM per signer (the last entry wins).
    const multiRoot = multiRootValues();
    const ra = kubernetesRaIstiodValues({ signerName, rootCertPems: [roots.trust.trustBundle] });
    // ztunnel's requests name no signer, so istiod appends its RA root file, not caCertificates:
    // give it every trusted root there (the record's raRootFile fact).
    const raRoots =
        model.dataPlane === "ambient" && caModeRecord(model.caMode).ambient("cacerts").raRootFile
            ? new IstiodRaRoots(name("istiod-ra-roots"), { namespace: istioNamespace.metadata.name, rootsPem: roots.trust.trustBundle }, opts)
            : undefined;
    return {
        // The multi-root settings are set from steady on, so that a later rotation needs no restart.
        ca: { ...ra, env: { ...ra.env, ...multiRoot.env }, proxyMetadata: multiRoot.proxyMetadata, ...raRoots?.istiodValues },
        istiodDependsOn: [signerCa.issuer!, ...(raRoots ? [raRoots.configMap] : [])],
        trust: roots.trust,
    };
};
