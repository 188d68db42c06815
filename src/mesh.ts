/**
 * The whole CA path of one mesh for a validated model: istiod's namespace, the mode's CA strategy,
 * the Istio control plane, the mesh-wide mTLS policy and the certificate alerts. The istio-ca program
 * and the `IstioCa` component both deploy through it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { alertThresholds } from "./certificateAlerts";
import { AmbientDataPlane } from "./components/ambientDataPlane";
import { CertificateAlerts } from "./components/certificateAlerts";
import { IstioControlPlane } from "./components/istioControlPlane";
import { MeshMtlsPolicy } from "./components/meshMtlsPolicy";
import { StackModel, istiodHoldsCa } from "./config";
import { STRATEGIES } from "./strategies";
import { FleetClusterContext, ResourceNamer, TrustOutputs } from "./strategies/types";

/** What a deployed mesh reports. */
export interface MeshOutputs extends TrustOutputs {
    caMode: string;
    trustDomain: string;
    istioVersion: string;
    /** SHA-256 of the intermediate that signs for the cluster, where the program makes it. */
    intermediateFingerprint?: pulumi.Output<string>;
}

export interface MeshDeploymentOptions {
    /** Names each resource made outside a component. Default: the base name. */
    name?: ResourceNamer;
    /**
     * Options of every component: the providers (Kubernetes; Vault in the vault mode), or a parent
     * that has them, and transformations.
     */
    opts: pulumi.ComponentResourceOptions;
    /** Options of a custom resource made outside a component (parent, transformations). */
    customOpts: pulumi.CustomResourceOptions;
    /** The Kubernetes provider of istiod's namespace; default: the parent's, or the default provider. */
    kubernetesProvider?: pulumi.ProviderResource;
    /** The cluster within a fleet, and what the fleet's clusters share. Default: none (one cluster). */
    fleet?: FleetClusterContext & { meshId: string };
}

export function deployMesh(model: StackModel, options: MeshDeploymentOptions): MeshOutputs {
    const name = options.name ?? ((base: string) => base);
    const { opts, customOpts } = options;
    const strategy = STRATEGIES[model.caMode];

    const istioNamespace = new k8s.core.v1.Namespace(
        name("istio-system"),
        { metadata: { name: model.istio.namespace } },
        { ...customOpts, ...(options.kubernetesProvider ? { provider: options.kubernetesProvider } : {}) },
    );
    const fleet = options.fleet;
    const { ca, istiodDependsOn, trust, intermediateFingerprint } = strategy.deploy({ model, name, istioNamespace, opts, customOpts, ...(fleet ? { fleet } : {}) });

    const controlPlane = new IstioControlPlane(
        name("istio"),
        {
            version: model.istio.version,
            namespace: istioNamespace.metadata.name,
            trustDomain: model.trustDomain,
            workloadCerts: model.workloadCerts,
            ca,
            istiodDependsOn,
            dataPlane: model.dataPlane,
            ...(fleet ? { multiCluster: { meshId: fleet.meshId, clusterName: fleet.cluster.name, ...(fleet.cluster.network ? { network: fleet.cluster.network } : {}) } } : {}),
        },
        opts,
    );
    if (model.dataPlane === "ambient") {
        // ztunnel asks for certificates where sidecars do: istiod, or the CA the strategy points them at (istio-csr).
        const caAddress = typeof ca.global?.caAddress === "string" ? ca.global.caAddress : undefined;
        new AmbientDataPlane(
            name("ambient"),
            { version: model.istio.version, namespace: istioNamespace.metadata.name, workloadCerts: model.workloadCerts, caAddress, dependsOn: [controlPlane.istiod] },
            opts,
        );
    }

    // Policies and rules are custom resources: they need the Istio CRDs, so they come after the control plane.
    const { meshPolicy, alerts } = model;
    if (meshPolicy.enabled) {
        new MeshMtlsPolicy(
            name("mesh-policy"),
            {
                rootNamespace: model.istio.namespace,
                mtlsMode: meshPolicy.mtlsMode,
                permissiveFallbacks: meshPolicy.permissiveFallbacks,
                pinnedHosts: meshPolicy.pinnedHosts,
                trustDomain: model.trustDomain,
                trustBundle: trust.trustBundle,
            },
            { ...opts, dependsOn: [controlPlane] },
        );
    }
    if (alerts.enabled) {
        const thresholds = alertThresholds(model.intermediateCa, model.rootCa, model.workloadCerts, alerts);
        new CertificateAlerts(
            name("certificate-alerts"),
            { namespace: model.istio.namespace, thresholds, istiodCa: istiodHoldsCa(model), certManager: strategy.installsCertManager, labels: alerts.ruleLabels },
            { ...opts, dependsOn: [controlPlane] },
        );
    }

    return { caMode: model.caMode, trustDomain: model.trustDomain, istioVersion: model.istio.version, ...trust, ...(intermediateFingerprint ? { intermediateFingerprint } : {}) };
}
