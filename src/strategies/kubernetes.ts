import { CertManager } from "../../components/certManager";
import { IntermediateCaCertificate } from "../../components/intermediateCaCertificate";
import { clusterIssuerSignerName, kubernetesRaIstiodValues } from "../kubernetesSigner";
import { rootIssuer, trustOf } from "./certManager";
import { CaStrategy, CaStrategyResult } from "./types";

/** The CA ClusterIssuer that signs workload CSRs; its Kubernetes signer is `clusterissuers.cert-manager.io/<name>`. */
export const MESH_SIGNER_ISSUER_NAME = "istio-mesh-signer";
/** Secret (in cert-manager's cluster resource namespace) of the intermediate behind that issuer. */
export const MESH_SIGNER_SECRET_NAME = "istio-mesh-signer-ca";

/**
 * Kubernetes CSR API: istiod is a registration authority. It authenticates workloads, creates a
 * CertificateSigningRequest for the signer `clusterissuers.cert-manager.io/istio-mesh-signer`, approves
 * it, and cert-manager (with its CSR signer feature gate on) signs it with a CA ClusterIssuer on an
 * intermediate issued from the mesh root. istiod holds no CA key.
 */
export const kubernetesCsr: CaStrategy = ({ model }): CaStrategyResult => {
    const settings = model.certManager!;
    const certManager = new CertManager("cert-manager", { version: settings.version, namespace: settings.namespace, serviceMonitor: settings.serviceMonitor, enableCsrSigner: true });
    const { issuerName, issuer, root } = rootIssuer(model, certManager, settings);
    // Config refuses an in-cluster root for this mode: istiod needs the root PEM as its trust anchor.
    if (!root) throw new Error("caMode kubernetes needs a root the program knows");

    // The root's key signs only this intermediate; the intermediate signs workloads.
    const signerCa = new IntermediateCaCertificate("mesh-signer", {
        namespace: certManager.clusterResourceNamespace,
        secretName: MESH_SIGNER_SECRET_NAME,
        issuerRef: { name: issuerName, kind: "ClusterIssuer" },
        intermediate: model.intermediateCa,
        rotationPolicy: settings.keyRotationPolicy,
        issuerName: MESH_SIGNER_ISSUER_NAME,
        issuerKind: "ClusterIssuer",
        dependsOn: [certManager.release, issuer],
    });

    const signerName = clusterIssuerSignerName(MESH_SIGNER_ISSUER_NAME);
    return {
        ca: kubernetesRaIstiodValues({ signerName, rootCertPems: [root.certPem] }),
        istiodDependsOn: [signerCa.issuer!],
        trust: trustOf(root),
    };
};
