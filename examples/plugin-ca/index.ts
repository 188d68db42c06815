// A plug-in CA for istiod from @pulumi/tls, and Istio installed on it: the root and intermediate
// are made by Pulumi, written to istio-system/cacerts, and istiod starts only once they are there.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { IstioControlPlane, PluginCa, multiRootValues } from "istio-ca";

const config = new pulumi.Config();
const trustDomain = config.get("trustDomain") ?? "cluster.local";
const HOUR_MS = 3600 * 1000;

const namespace = new k8s.core.v1.Namespace("istio-system", { metadata: { name: "istio-system" } });

const ca = new PluginCa("mesh-ca", {
    namespace: namespace.metadata.name,
    roots: [{ name: "r2026", generate: { keyAlgorithm: "ECDSA-P384", validityMs: 10 * 8760 * HOUR_MS, commonName: "example mesh root", organization: "Example" } }],
    signingRoot: "r2026",
    trustedRoots: ["r2026"],
    intermediate: { keyAlgorithm: "ECDSA-P256", validityMs: 8760 * HOUR_MS, renewBeforeMs: 720 * HOUR_MS, commonName: "example mesh intermediate", organization: "Example" },
});

new IstioControlPlane("istio", {
    version: "1.30.3",
    namespace: namespace.metadata.name,
    trustDomain,
    workloadCerts: { ttlMs: 24 * HOUR_MS, maxTtlMs: 48 * HOUR_MS, gracePeriodRatio: 0.5 },
    // Multi-root trust from the start, so that a later root rotation needs no restart.
    ca: multiRootValues(),
    istiodDependsOn: [ca.secret],
});

export const trustBundle = ca.trustBundle;
export const signingRootFingerprint = ca.signingRootFingerprint;
