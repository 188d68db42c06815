import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { CaClusterIssuer } from "../../components/caClusterIssuer";
import { CertManager } from "../../components/certManager";
import { IntermediateCaCertificate } from "../../components/intermediateCaCertificate";
import { IstioCsr, istioCsrAddress } from "../../components/istioCsr";
import { MeshTrustBundle } from "../../components/meshTrustBundle";
import { SelfSignedRootIssuer } from "../../components/selfSignedRootIssuer";
import { TrustManager } from "../../components/trustManager";
import { CaCertSettings, CertManagerSettings, StackModel } from "../config";
import { formatDuration, toHoursCeil } from "../duration";
import { composeTrustBundle, sha256Fingerprint, tlsKeyArgs } from "../pki";
import { DEFAULT_ROOT_NAME } from "./plugin";
import { CaStrategy, CaStrategyResult } from "./types";

/** Name of the CA ClusterIssuer on the mesh root. */
export const ROOT_ISSUER_NAME = "istio-ca-root";
/** Namespaced CA Issuer (in istio-system) that istio-csr signs workload certificates with. */
export const ISTIO_CSR_ISSUER_NAME = "istio-ca";
/** The Secret istiod reads its signing CA from. */
export const CACERTS_SECRET_NAME = "cacerts";
/** The Secret of the intermediate behind istio-csr's issuer. */
export const ISTIO_CSR_INTERMEDIATE_SECRET_NAME = "istio-ca-intermediate";

/** A root the program knows: its PEM and key (a Pulumi secret). */
interface KnownRoot {
    certPem: pulumi.Output<string>;
    keyPem: pulumi.Output<string>;
}

/** The mesh root generated with @pulumi/tls, as in the plug-in mode; key and certificate are `protect`ed. */
function generateRoot(name: string, settings: CaCertSettings): KnownRoot {
    const key = new tls.PrivateKey(`${name}-key`, tlsKeyArgs(settings.keyAlgorithm), { protect: true });
    const cert = new tls.SelfSignedCert(
        name,
        {
            privateKeyPem: key.privateKeyPem,
            subject: { commonName: `${settings.commonName} ${DEFAULT_ROOT_NAME}`, organization: settings.organization },
            validityPeriodHours: toHoursCeil(settings.validityMs),
            isCaCertificate: true,
            maxPathLength: 1,
            setSubjectKeyId: true,
            allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
        },
        { protect: true },
    );
    return { certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPem) };
}

/** The root ClusterIssuer and, where the program knows it, the root. */
function rootIssuer(model: StackModel, certManager: CertManager, settings: CertManagerSettings): { issuerName: string; issuer: pulumi.Resource; root?: KnownRoot } {
    if (!model.existingRoot && settings.root === "in-cluster") {
        const issuer = new SelfSignedRootIssuer(ROOT_ISSUER_NAME, { certManager, secretName: ROOT_ISSUER_NAME, root: { ...model.rootCa, commonName: `${model.rootCa.commonName} ${DEFAULT_ROOT_NAME}` } });
        return { issuerName: issuer.issuerName, issuer: issuer.issuer };
    }
    const root: KnownRoot = model.existingRoot
        ? { certPem: pulumi.output(model.existingRoot.certPem), keyPem: pulumi.secret(model.existingRoot.keyPem.reveal()) }
        : generateRoot(`cert-manager-root-${DEFAULT_ROOT_NAME}`, model.rootCa);
    const issuer = new CaClusterIssuer(ROOT_ISSUER_NAME, { certManager, certPem: root.certPem, keyPem: root.keyPem });
    return { issuerName: issuer.issuerName, issuer: issuer.issuer, root };
}

/**
 * cert-manager CA: cert-manager installed with a CA ClusterIssuer on the mesh root, then either
 * - `cacerts`: cert-manager issues and renews istiod's intermediate into `istio-system/cacerts`, or
 * - `istio-csr`: istio-csr replaces istiod's CA server and signs each workload certificate
 *   through a cert-manager intermediate Issuer; trust-manager distributes the program-owned root bundle.
 */
export const certManagerCa: CaStrategy = ({ model, istioNamespace }): CaStrategyResult => {
    const settings = model.certManager!;
    const certManager = new CertManager("cert-manager", { version: settings.version, namespace: settings.namespace, serviceMonitor: settings.serviceMonitor });
    const { issuerName, issuer, root } = rootIssuer(model, certManager, settings);
    const trust = root
        ? {
              trustedRootFingerprints: root.certPem.apply((pem) => [sha256Fingerprint(pem)]),
              signingRootFingerprint: root.certPem.apply(sha256Fingerprint),
              trustBundle: root.certPem.apply((pem) => composeTrustBundle([pem])),
          }
        : { trustedRootFingerprints: [], signingRootFingerprint: null, trustBundle: null };

    if (settings.delivery === "cacerts") {
        const cacerts = new IntermediateCaCertificate("istiod-cacerts", {
            namespace: istioNamespace.metadata.name,
            secretName: CACERTS_SECRET_NAME,
            issuerRef: { name: issuerName, kind: "ClusterIssuer" },
            intermediate: model.intermediateCa,
            rotationPolicy: settings.keyRotationPolicy,
            dependsOn: [certManager.release, issuer],
        });
        return { ca: {}, istiodDependsOn: [cacerts.certificate], trust };
    }

    // istio-csr: the program knows the root (config refuses an in-cluster root here).
    const intermediate = new IntermediateCaCertificate("istio-csr-intermediate", {
        namespace: istioNamespace.metadata.name,
        secretName: ISTIO_CSR_INTERMEDIATE_SECRET_NAME,
        issuerRef: { name: issuerName, kind: "ClusterIssuer" },
        intermediate: model.intermediateCa,
        rotationPolicy: settings.keyRotationPolicy,
        issuerName: ISTIO_CSR_ISSUER_NAME,
        dependsOn: [certManager.release, issuer],
    });
    const trustManager = new TrustManager("trust-manager", { certManager, namespace: certManager.namespaceName, version: settings.trustManagerVersion, serviceMonitor: settings.serviceMonitor });
    const bundle = new MeshTrustBundle("mesh-trust", {
        trustNamespace: certManager.namespaceName,
        rootsPem: trust.trustBundle!,
        trustManager: trustManager.release,
        // Only istio-csr reads this bundle; workloads get `istio-ca-root-cert` from istio-csr.
        targetNamespaces: [settings.namespace],
    });
    const istioCsr = new IstioCsr("istio-csr", {
        namespace: certManager.namespaceName,
        version: settings.istioCsrVersion,
        issuer: { name: ISTIO_CSR_ISSUER_NAME, kind: "Issuer" },
        certificateRequestNamespace: model.istio.namespace,
        istioNamespace: model.istio.namespace,
        trustDomain: model.trustDomain,
        maxCertificateDuration: formatDuration(model.workloadCerts.maxTtlMs),
        rootCaConfigMap: bundle.bundleName,
        dependsOn: [certManager.release, intermediate.issuer!, bundle.bundle],
    });
    return {
        ca: { global: { caAddress: istioCsrAddress(settings.namespace) }, env: { ENABLE_CA_SERVER: "false" } },
        istiodDependsOn: [istioCsr.release],
        trust,
    };
};
