import * as pulumi from "@pulumi/pulumi";
import { CertManager } from "../components/certManager";
import { IntermediateCaCertificate } from "../components/intermediateCaCertificate";
import { istioCsrAddress } from "../components/istioCsr";
import { VaultClusterIssuer } from "../components/vaultClusterIssuer";
import { VaultKubernetesAuth } from "../components/vaultKubernetesAuth";
import { VaultIntermediateSettings, VaultPki, VaultPkiArgs } from "../components/vaultPki";
import { CaCertSettings, StackModel } from "../config";
import { rootCaSettings } from "../rootSettings";
import { composeTrustBundle, sha256Fingerprint } from "../pki";
import { VAULT_WORKLOAD_ROLE, clusterIssuerTokenAudience, signerPolicyRules, vaultIntermediatePathLength, vaultSignPath } from "../vault";
import { multiRootValues, rotationPlan } from "../rotation";
import { vaultCacertsCommonName, vaultTrustAnchorValues } from "../vaultRotation";
import { CACERTS_SECRET_NAME } from "./certManager";
import { deliverThroughIstioCsr, istioCsrRequestPolicies } from "./istioCsrDelivery";
import { approveMeshIssuance, intermediatePolicy } from "./issuance";
import { DeployCa, DeployShared, CaStrategyResult } from "./types";

/** The Vault ClusterIssuer; its name is also the audience of the tokens it logs in with. */
export const VAULT_ISSUER_NAME = "istio-ca-vault";
/** ServiceAccount the Vault Kubernetes auth role is bound to; only cert-manager requests tokens for it. */
export const VAULT_SIGNER_SERVICE_ACCOUNT = "istio-ca-vault-signer";
/** Vault role and policy of the signer. */
export const VAULT_SIGNER_ROLE = "istio-ca-signer";
export const VAULT_SIGNER_POLICY = "istio-ca-signer";
/** The cert-manager chart's controller ServiceAccount (release "cert-manager"). */
export const CERT_MANAGER_CONTROLLER_SERVICE_ACCOUNT = "cert-manager";

/**
 * Vault PKI: root and intermediate generated inside Vault; cert-manager signs through a Vault
 * ClusterIssuer that logs in with Kubernetes auth, then either
 * - `cacerts`: istiod's CA certificate is signed by the Vault intermediate (`root/sign-intermediate`)
 *   and written to `istio-system/cacerts`; istiod signs workloads, or
 * - `istio-csr`: istio-csr replaces istiod's CA server and Vault signs every workload leaf through a role.
 * Roots rotate as in `src/rotation.ts`: each root is a protected issuer of the root mount, the
 * intermediate is re-signed by the signing root, and the trusted roots go to istiod's
 * `meshConfig.caCertificates` (and, with istio-csr, to the trust-manager bundle).
 */
/** What config makes a Vault root with: the root settings, with "vault" in the CN. */
export function vaultRootDefaults(model: StackModel): CaCertSettings {
    return { ...model.rootCa, commonName: `${model.rootCa.commonName} vault` };
}

/** The Vault intermediate's key, lifetime, subject, path length and generation. */
export function vaultIntermediateSettings(model: StackModel): VaultIntermediateSettings & { generation: number } {
    const settings = model.vault!;
    return {
        keyAlgorithm: settings.intermediate.keyAlgorithm,
        validityMs: settings.intermediate.validityMs,
        commonName: `${model.rootCa.organization} vault intermediate`,
        organization: model.rootCa.organization,
        maxPathLength: vaultIntermediatePathLength(model.certManager!.delivery),
        generation: settings.intermediate.generation,
    };
}

/** The Vault PKI of a model: one intermediate, or one per cluster of a fleet. */
export function vaultPkiArgs(model: StackModel, clusters?: string[]): VaultPkiArgs {
    const settings = model.vault!;
    const cm = model.certManager!;
    const plan = rotationPlan(model.rotation);
    const workloadDnsNames = [`istiod.${model.istio.namespace}.svc`, istioCsrAddress(cm.namespace).replace(/:\d+$/, "")];
    return {
        address: settings.address,
        rootMountPath: settings.rootMountPath,
        intermediateMountPath: settings.intermediateMountPath,
        root: vaultRootDefaults(model),
        rootSettings: Object.fromEntries(plan.roots.map((root) => [root, rootCaSettings(model, root, vaultRootDefaults(model))])),
        roots: plan.roots,
        signingRoot: plan.signingRoot,
        intermediate: vaultIntermediateSettings(model),
        ...(clusters ? { clusters } : {}),
        workloadRole:
            cm.delivery === "istio-csr"
                ? {
                      name: VAULT_WORKLOAD_ROLE,
                      // RSA 2048: the key Istio proxies, istio-csr's serving certificate and istiod's istio-csr certificate use by default.
                      settings: {
                          trustDomain: model.trustDomain,
                          keyAlgorithm: "RSA-2048",
                          ttlMs: model.workloadCerts.ttlMs,
                          maxTtlMs: model.workloadCerts.maxTtlMs,
                          dnsNames: workloadDnsNames,
                      },
                  }
                : undefined,
    };
}

/** A fleet's Vault PKI, made once: the root mount and one intermediate mount per cluster. */
export const vaultShared: DeployShared = ({ model, name, opts }) => ({
    vaultPki: new VaultPki(
        name("vault-pki"),
        vaultPkiArgs(
            model,
            model.fleet!.clusters.map((cluster) => cluster.name),
        ),
        opts,
    ),
});

export const vaultCa: DeployCa = ({ model, name, istioNamespace, opts, fleet }): CaStrategyResult => {
    const settings = model.vault!;
    const cm = model.certManager!;
    const delivery = cm.delivery;

    // Every Vault resource uses the Vault provider of the resource options (or the default provider).
    const plan = rotationPlan(model.rotation);
    const cacertsCommonName = vaultCacertsCommonName(model.intermediateCa.commonName, plan.signingRoot, settings.intermediate.generation);
    const pki = fleet?.shared.vaultPki ?? new VaultPki(name("vault-pki"), vaultPkiArgs(model), opts);
    const cluster = fleet?.cluster;
    const intermediate = pki.intermediates.find((candidate) => candidate.cluster === cluster?.name);
    if (!intermediate) throw new Error(`the fleet's Vault PKI has no intermediate for cluster ${cluster?.name}`);
    // In a fleet, each cluster logs in at its own auth mount, against its own API server, with a
    // policy that can sign only through its own intermediate mount.
    const kubernetesAuth = cluster?.vaultKubernetesAuth
        ? { ...settings.kubernetesAuth, ...cluster.vaultKubernetesAuth, path: `${settings.kubernetesAuth.path}-${cluster.name}` }
        : settings.kubernetesAuth;
    const signerPolicy = cluster ? `${VAULT_SIGNER_POLICY}-${cluster.name}` : VAULT_SIGNER_POLICY;

    const auth = new VaultKubernetesAuth(
        name("vault-auth"),
        {
            path: kubernetesAuth.path,
            kubernetesHost: kubernetesAuth.host,
            kubernetesCaCert: kubernetesAuth.caCertPem,
            tokenReviewer: kubernetesAuth.tokenReviewer,
            roleName: VAULT_SIGNER_ROLE,
            serviceAccount: { name: VAULT_SIGNER_SERVICE_ACCOUNT, namespace: cm.namespace },
            audience: clusterIssuerTokenAudience(VAULT_ISSUER_NAME),
            tokenTtlSeconds: Math.round(kubernetesAuth.tokenTtlMs / 1000),
            policyName: signerPolicy,
            policyRules: signerPolicyRules(delivery, intermediate.mountPath, { cacerts: { commonName: cacertsCommonName, durationMs: model.intermediateCa.validityMs } }),
        },
        opts,
    );

    const certManager = new CertManager(
        name("cert-manager"),
        { version: cm.version, namespace: cm.namespace, serviceMonitor: cm.serviceMonitor, disableAutoApproval: cm.approval === "policy" },
        opts,
    );
    const vaultIssuer = { name: VAULT_ISSUER_NAME, kind: "ClusterIssuer" as const };
    const issuance = approveMeshIssuance(
        model,
        name,
        certManager,
        delivery === "cacerts"
            ? [
                  intermediatePolicy(model, "istio-ca-cacerts", {
                      issuer: vaultIssuer,
                      namespace: model.istio.namespace,
                      intermediate: { ...model.intermediateCa, commonName: cacertsCommonName },
                  }),
              ]
            : istioCsrRequestPolicies(model, vaultIssuer),
        opts,
        [istioNamespace],
    );
    const issuer = new VaultClusterIssuer(
        name(VAULT_ISSUER_NAME),
        {
            issuerName: VAULT_ISSUER_NAME,
            certManager,
            serviceAccountName: VAULT_SIGNER_SERVICE_ACCOUNT,
            controllerServiceAccount: { name: CERT_MANAGER_CONTROLLER_SERVICE_ACCOUNT, namespace: certManager.namespaceName },
            allowTokenReview: kubernetesAuth.tokenReviewer === "client",
            vault: {
                server: settings.address,
                path: vaultSignPath(delivery, intermediate.mountPath),
                vaultNamespace: settings.namespace,
                caBundlePem: settings.caBundlePem,
                role: VAULT_SIGNER_ROLE,
                mountPath: auth.mountPath,
                // A token that reviews itself must also be valid for the API server.
                extraAudiences: kubernetesAuth.apiAudience ? [kubernetesAuth.apiAudience] : undefined,
            },
            // Signing works only once the role, its policy and the issuing CA (and workload role) exist.
            dependsOn: [auth.role, intermediate.defaultIssuer, ...(intermediate.workloadRole ? [intermediate.workloadRole] : [])],
        },
        opts,
    );

    // Every root stays an issuer in Vault across phases; the phase picks which are trusted.
    const trustedPems = pulumi.all(plan.trustedRoots.map((root) => pki.rootCertificates[root]));
    const trust = {
        trustedRootFingerprints: trustedPems.apply((pems) => pems.map(sha256Fingerprint)),
        signingRootFingerprint: pki.rootCertificates[plan.signingRoot].apply(sha256Fingerprint),
        trustBundle: trustedPems.apply(composeTrustBundle),
    };
    // Set from steady on, so that a later rotation needs no restart; the trusted roots reach proxies over xDS.
    const rotationValues = {
        ...multiRootValues(),
        ...vaultTrustAnchorValues(plan.trustedRoots.map((root) => pki.rootCertificates[root])),
    };

    if (delivery === "cacerts") {
        // cert-manager posts istiod's CSR to <intermediate>/root/sign-intermediate; Vault sets its
        // path length to one less than the intermediate's (0): istiod signs leaves only.
        const cacerts = new IntermediateCaCertificate(
            name("istiod-cacerts"),
            {
                namespace: istioNamespace.metadata.name,
                secretName: CACERTS_SECRET_NAME,
                issuerRef: { name: VAULT_ISSUER_NAME, kind: "ClusterIssuer" },
                // Named by the signing root: a new signing root changes the spec, and cert-manager re-issues at once.
                intermediate: { ...model.intermediateCa, commonName: cacertsCommonName },
                rotationPolicy: cm.keyRotationPolicy,
                // After the intermediate mount's default issuer is the signing root's intermediate, and
                // after the signer's policy allows this Certificate's CN and lifetime.
                dependsOn: [certManager.release, issuer.issuer, intermediate.defaultIssuer, auth.policy, ...issuance.ready],
            },
            opts,
        );
        return { ca: rotationValues, istiodDependsOn: [cacerts.certificate], trust, intermediateFingerprint: intermediate.certificatePem.apply(sha256Fingerprint) };
    }

    const istioCsrDelivery = deliverThroughIstioCsr({
        model,
        name,
        certManager,
        settings: cm,
        issuer: { name: VAULT_ISSUER_NAME, kind: "ClusterIssuer" },
        issuerResource: issuer.issuer,
        trustBundle: trust.trustBundle,
        ca: rotationValues,
        issuance,
        opts,
    });
    return { ...istioCsrDelivery, trust, intermediateFingerprint: intermediate.certificatePem.apply(sha256Fingerprint) };
};
