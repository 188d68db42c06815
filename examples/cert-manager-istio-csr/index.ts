// The whole path with cert-manager and istio-csr from one component: a generated root behind a
// cert-manager CA ClusterIssuer, an intermediate Issuer that istio-csr signs every workload
// certificate with, trust-manager distributing the root, approver-policy approving exactly the
// mesh's requests, and istiod with its own CA server off.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { IstioCa } from "istio-ca";

const config = new pulumi.Config();
const context = config.get("kubernetesContext");

// Every Kubernetes resource of the mesh goes through this provider; Secrets and ConfigMaps are
// updated in place, so a renewal never deletes the CA material istio-csr reads.
const cluster = new k8s.Provider("cluster", {
    ...(context ? { context } : {}),
    enableSecretMutable: true,
    enableConfigMapMutable: true,
});

const mesh = new IstioCa(
    "mesh",
    {
        caMode: "cert-manager",
        certManagerDelivery: "istio-csr",
        trustDomain: config.get("trustDomain") ?? "cluster.local",
        workloadCertTtl: "12h",
        maxWorkloadCertTtl: "24h",
    },
    { providers: [cluster] },
);

export const trustBundle = mesh.trustBundle;
export const trustedRootFingerprints = mesh.trustedRootFingerprints;
