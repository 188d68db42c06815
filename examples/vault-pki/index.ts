// Vault PKI for a mesh, without the rest: a root and an intermediate generated inside Vault, and
// Kubernetes auth for one signer ServiceAccount whose policy can only ask the intermediate to sign
// workload certificates. Point a cert-manager Vault issuer (or istio-csr) at the role it outputs.
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { VaultKubernetesAuth, VaultPki, clusterIssuerTokenAudience, signerPolicyRules, vaultIntermediatePathLength } from "istio-ca";

const config = new pulumi.Config();
const address = config.require("vaultAddress");
const trustDomain = config.get("trustDomain") ?? "cluster.local";
const HOUR_MS = 3600 * 1000;
const intermediateMountPath = "pki-mesh";

// The token comes from VAULT_TOKEN; give the provider's child token time for a long update.
const provider = new vault.Provider("vault", { address, maxLeaseTtlSeconds: 2 * 3600 });

const pki = new VaultPki(
    "mesh-pki",
    {
        address,
        rootMountPath: "pki-mesh-root",
        intermediateMountPath,
        root: { keyAlgorithm: "ECDSA-P384", validityMs: 10 * 8760 * HOUR_MS, commonName: "example mesh root", organization: "Example" },
        // With the istio-csr delivery, the intermediate signs workload leaves itself (path length 0).
        intermediate: {
            keyAlgorithm: "ECDSA-P256",
            validityMs: 5 * 8760 * HOUR_MS,
            commonName: "example mesh intermediate",
            organization: "Example",
            maxPathLength: vaultIntermediatePathLength("istio-csr"),
        },
        workloadRole: {
            name: "mesh-workloads",
            settings: {
                trustDomain,
                keyAlgorithm: "RSA-2048",
                ttlMs: 24 * HOUR_MS,
                maxTtlMs: 48 * HOUR_MS,
                dnsNames: ["istiod.istio-system.svc", "cert-manager-istio-csr.cert-manager.svc"],
            },
        },
    },
    { providers: [provider] },
);

const auth = new VaultKubernetesAuth(
    "mesh-signer-auth",
    {
        path: "kubernetes-mesh",
        kubernetesHost: config.require("kubernetesHost"),
        roleName: "mesh-signer",
        serviceAccount: { name: "mesh-signer", namespace: "cert-manager" },
        audience: clusterIssuerTokenAudience("mesh-vault"),
        tokenTtlSeconds: 600,
        policyName: "mesh-signer",
        policyRules: signerPolicyRules("istio-csr", intermediateMountPath, { workloadRole: "mesh-workloads" }),
    },
    { providers: [provider], dependsOn: [pki] },
);

export const rootCertificate = pki.rootCertificates["primary"];
export const signerRole = auth.role.roleName;
